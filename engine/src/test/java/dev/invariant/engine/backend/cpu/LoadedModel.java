package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.TestAssets;
import dev.invariant.engine.model.HfConfig;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.SafetensorsReader;
import dev.invariant.engine.model.WeightMapping;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import java.nio.file.Files;
import java.nio.file.Path;

/** A shared test model opened from its folder (or, when there is none, the synthetic preset of that name); closing it unmaps the weights. */
public record LoadedModel(Model model, SafetensorsReader reader) implements AutoCloseable {

    public static LoadedModel open(String name) {
        Path folder = TestAssets.model(name);
        if (!Files.isDirectory(folder)) {
            SyntheticModel m = SyntheticModel.create(name);
            return new LoadedModel(new Model(name, null, m.config(), WeightMapping.map(m.config(), m.tensors(),
                    m.preset().gptq()), "not-computed"), null);
        }
        return open(name, folder);
    }

    /** A model folder anywhere, e.g. a test's edited copy of a shared one. */
    public static LoadedModel open(String name, Path folder) {
        ModelConfig c = HfConfig.read(folder);
        SafetensorsReader r = SafetensorsReader.openFolder(folder);
        // The digest identifies weights in fingerprints; the forward pass never reads it.
        return new LoadedModel(new Model(name, folder, c, WeightMapping.map(c, r.tensors()), "not-computed"), r);
    }

    @Override
    public void close() {
        if (reader != null) reader.close();
    }
}
