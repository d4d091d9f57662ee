package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.hub.HubDownloader;
import dev.invariant.engine.model.hub.RepoId;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The one way to get a {@link Model} from what a user typed: a model folder, {@code synthetic:NAME[@dtype]},
 * or a Hugging Face hub id {@code org/name[@revision]} (downloaded once into the hub cache). An existing
 * folder always wins over a hub id of the same spelling.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /** Loads with options from the environment (HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE, HF_TOKEN, HF_ENDPOINT). */
    public static Model load(String id) {
        return load(id, LoadOptions.fromEnv());
    }

    public static Model load(String id, LoadOptions options) {
        if (id == null || id.isBlank()) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "no model given: " + acceptedForms());
        }
        if (id.startsWith(SyntheticModel.PREFIX)) return loadSynthetic(id, options);
        Path folder = asPath(id);
        if (folder != null && Files.isDirectory(folder)) return loadFolder(id, folder, options);
        if (RepoId.looksLike(id) && !looksLikePath(id)) {
            RepoId repo = RepoId.parse(id);
            Path snapshot;
            try {
                snapshot = new HubDownloader(options.hub(), options.progress()).snapshot(repo);
            } catch (EngineException e) {
                if (e.code() != ErrorCode.UNKNOWN_MODEL) throw e;
                throw new EngineException(ErrorCode.UNKNOWN_MODEL, "'" + id + "' is not a folder here, and as a hub id: "
                        + e.getMessage(), e);
            }
            return loadFolder(id, snapshot, options);
        }
        throw new EngineException(ErrorCode.UNKNOWN_MODEL, "'" + id + "' is not a model: no such folder"
                + (folder == null ? "" : " (" + folder.toAbsolutePath().normalize() + ")") + ". " + acceptedForms());
    }

    /** Reads a Hugging Face model folder: config.json, memory-mapped safetensors, weights digest (cached). */
    public static Model loadFolder(String id, Path folder, LoadOptions options) {
        ModelConfig config = HfConfig.read(folder);
        // the mappings stay open for the life of the model, which has no close: the engine loads once per process
        SafetensorsReader reader = SafetensorsReader.openFolder(folder);
        try {
            ModelWeights weights = WeightMapping.map(config, reader.tensors(), HfConfig.quantization(folder));
            String digest = new DigestCache(options.digestCacheDir()).forFolder(folder, () -> WeightsDigest.compute(
                    reader.tensors(), TensorSource.MATERIALISED, options.progress(), "digest " + folder.getFileName()));
            return new Model(id, folder, config, weights, digest);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    private static Model loadSynthetic(String id, LoadOptions options) {
        SyntheticModel m = SyntheticModel.create(id);
        return new Model(id, null, m.config(), WeightMapping.map(m.config(), m.tensors(), m.preset().gptq()),
                m.digest(new DigestCache(options.digestCacheDir()), options.progress()));
    }

    private static Path asPath(String id) {
        try {
            return Path.of(id.startsWith("~/") ? System.getProperty("user.home") + id.substring(1) : id);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static boolean looksLikePath(String id) {
        return id.startsWith("/") || id.startsWith("./") || id.startsWith("../") || id.startsWith("~") || id.contains("\\");
    }

    private static String acceptedForms() {
        return "use a folder with config.json and *.safetensors, synthetic:NAME[@bf16|@f32] with NAME one of "
                + SyntheticPreset.all().stream().map(SyntheticPreset::name).collect(Collectors.joining(", "))
                + ", or a Hugging Face hub id org/name[@revision]";
    }
}
