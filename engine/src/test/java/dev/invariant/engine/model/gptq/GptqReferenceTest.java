package dev.invariant.engine.model.gptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.LoadOptions;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.model.MoeWeights;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import dev.invariant.engine.model.synthetic.SyntheticExport;
import dev.invariant.engine.numerics.GptqMatrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our synthetic GPTQ checkpoints and our dequantisation against reference_gptq.py, a second reading of the AutoGPTQ
 * layout written from the layout rules and docs/numerics.md alone (Python standard library): the exported folder must
 * pass its layout checks (dtypes, shapes, g_idx groups, symmetric zeros), and every module's dequantised matrix must
 * have the same float32 bits in both (a mixture's experts and shared expert included).
 */
class GptqReferenceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny-gptq-int8, 14", "tiny-gptq-int4, 14", "tiny-gptq-int4-g-1, 14",
            "tiny-qwen2-moe-gptq-int4, 62"})  // a mixture: per layer q, k, v, o and 8 experts and the shared one of 3
    void packingAndDequantisationMatchThePythonReference(String preset, int expected, @TempDir Path tmp)
            throws Exception {
        Path folder = SyntheticExport.export("synthetic:" + preset, tmp.resolve(preset));
        Map<String, String> reference = python(folder, tmp);
        Model m = ModelLoader.load(folder.toString(), LoadOptions.fromEnv().withDigestCacheDir(tmp.resolve("digests")));
        assertEquals(SyntheticModel.create("synthetic:" + preset).preset().gptq(), m.weights().quantization());
        int modules = 0;
        for (LayerWeights l : m.weights().layers()) {
            assertNotNull(l.gptq(), "every layer is quantised");
            List<GptqLinear> linears = new ArrayList<>(l.gptq().all());
            if (l.moe() != null) {
                List<MoeWeights.Expert> experts = new ArrayList<>(l.moe().experts());
                if (l.moe().shared() != null) experts.add(l.moe().shared());
                for (MoeWeights.Expert e : experts) {
                    linears.addAll(List.of(e.gptq().gate(), e.gptq().up(), e.gptq().down()));
                }
            }
            for (GptqLinear g : linears) {
                GptqMatrix matrix = GptqMatrix.of(g, java.lang.foreign.Arena.ofAuto());
                String layout = digest(g.out(), g.in(), (n, k) -> GptqLayout.weight(g, k, n));
                String kernel = digest(g.out(), g.in(), matrix::get);
                assertEquals(reference.get(g.name()), layout, g.name() + ": GptqLayout vs reference_gptq.py");
                assertEquals(layout, kernel, g.name() + ": GptqMatrix vs GptqLayout");
                modules++;
            }
        }
        assertEquals(reference.size(), modules);
        assertEquals(expected, modules);
    }

    private interface Weight {
        float at(int n, int k);
    }

    private static String digest(int out, int in, Weight w) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer row = ByteBuffer.allocate(in * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int n = 0; n < out; n++) {
            row.clear();
            for (int k = 0; k < in; k++) row.putFloat(w.at(n, k));
            md.update(row.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Runs the reference on the folder; its "module sha256" lines by module. */
    private static Map<String, String> python(Path folder, Path tmp) throws IOException, InterruptedException {
        Path script = tmp.resolve("reference_gptq.py");
        try (var in = GptqReferenceTest.class.getResourceAsStream("reference_gptq.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("python3", script.toString(), folder.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "reference_gptq.py: " + out);
        Map<String, String> byModule = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            String[] f = line.split(" ");
            assertEquals(2, f.length, "reference output line: " + line);
            byModule.put(f[0], f[1]);
        }
        assertTrue(byModule.size() > 0, out);
        return byModule;
    }
}
