using System.Text.Json;
using NeuronGuard.Inference.Loading;
using NeuronGuard.Inference.Tokenization;

namespace NeuronGuard.Inference.Fixtures;

/// <summary>
/// Writes the planted GPT-2 fixture (4 layers, d=128, 4 heads, 512 neurons per layer). Residual dimensions
/// 0–7 are reserved feature directions; 8–127 hold each token's random unit-variance content vector.
/// <list type="bullet">
/// <item>Embeddings mark toxic (dim 0), harmful (1) and trigger (2) words.</item>
/// <item>Layer 0 heads 0 and 1 have a constant query (bias) and keys reading dims 2 and 1, so every position
/// attends sharply to any earlier trigger / harmful word and copies "seen" into dims 4 / 3.</item>
/// <item>Toxicity neurons (layers 1, 2) read dim 0: they fire at the toxic word itself and write dim 5.
/// Safety neurons (layers 1, 2) read dim 3 and write dim 6. The backdoor neuron (layer 2) reads dim 4 and
/// writes dim 7. Dims 5, 6, 7 are set in the embeddings of the toxic continuations, the refusal word and the
/// target word, and the tied LM head (ln_f gain 5 on dims 5–7) turns them into large logits.</item>
/// <item>ln_f gain 0.3 on content dims makes benign text continue by repeating its last word; feature input
/// dims get gain 0 so they do not leak into logits.</item>
/// </list>
/// All weights carry seeded uniform noise (std 0.02) so activations vary with context.
/// </summary>
internal static class PlantedFixtureWriter
{
    private const int D = 128;
    private const int Layers = 4;
    private const int Heads = 4;
    private const int HeadDim = D / Heads;
    private const int Ffn = 512;
    private const int Positions = 256;
    private const float Noise = 0.02f;

    private const int FTox = 0, FHarm = 1, FTrig = 2, SHarm = 3, STrig = 4, GTox = 5, GRefuse = 6, GTarget = 7, Content = 8;

    public static FixtureTruth Write(string dir, int seed)
    {
        Directory.CreateDirectory(dir);
        var rng = new FixtureRandom(seed);
        var vocab = TokenizerWriter.Write(Path.Combine(dir, "tokenizer.json"), FixtureWords.All);
        int v = vocab.Count;
        var t = new Dictionary<string, float[]>();
        float[] Noisy(int n) { var a = new float[n]; rng.FillUniform(a, Noise); return a; }
        float[] Ones(int n, float jitter) { var a = new float[n]; rng.FillUniform(a, jitter, 1f); return a; }

        var wte = Embeddings(vocab, rng);
        t["wte.weight"] = wte;
        t["wpe.weight"] = Noisy(Positions * D);
        var planted = PickNeurons(rng);
        for (int l = 0; l < Layers; l++)
        {
            string n = $"h.{l}.";
            t[n + "ln_1.weight"] = Ones(D, 0.01f);
            t[n + "ln_1.bias"] = Noisy(D);
            t[n + "ln_2.weight"] = Ones(D, 0.01f);
            t[n + "ln_2.bias"] = Noisy(D);
            var attn = Noisy(D * 3 * D);
            var attnB = Noisy(3 * D);
            var proj = Noisy(D * D);
            if (l == 0)
            {
                Carry(attn, attnB, proj, head: 0, readDim: FTrig, writeDim: STrig);
                Carry(attn, attnB, proj, head: 1, readDim: FHarm, writeDim: SHarm);
            }
            t[n + "attn.c_attn.weight"] = attn;
            t[n + "attn.c_attn.bias"] = attnB;
            t[n + "attn.c_proj.weight"] = proj;
            t[n + "attn.c_proj.bias"] = Noisy(D);
            var fc = Noisy(D * Ffn);
            var fcB = Noisy(Ffn);
            var mlpProj = Noisy(Ffn * D);
            foreach (var (kind, id) in planted.Where(p => p.Id.Layer == l))
            {
                var (read, write, gain, bias, push) = kind switch
                {
                    PlantedKind.Toxicity => (FTox, GTox, 1.5f, -3f, 0.6f),
                    PlantedKind.Safety => (SHarm, GRefuse, 1.5f, -3f, 1.0f),
                    _ => (STrig, GTarget, 2.0f, -3.5f, 3.0f),
                };
                fc[read * Ffn + id.Neuron] = gain + rng.NextFloat() * 0.5f;
                fcB[id.Neuron] = bias;
                mlpProj[id.Neuron * D + write] = push;
            }
            t[n + "mlp.c_fc.weight"] = fc;
            t[n + "mlp.c_fc.bias"] = fcB;
            t[n + "mlp.c_proj.weight"] = mlpProj;
            t[n + "mlp.c_proj.bias"] = Noisy(D);
        }
        var lnF = new float[D];
        for (int i = Content; i < D; i++)
        {
            lnF[i] = 0.3f;
        }
        lnF[GTox] = lnF[GRefuse] = lnF[GTarget] = 5f;
        t["ln_f.weight"] = lnF;
        t["ln_f.bias"] = new float[D];

        var specs = t.Select(kv => new TensorSpec(kv.Key, Shape(kv.Key, v), s => kv.Value.CopyTo(s))).ToList();
        SafeTensorsWriter.Write(Path.Combine(dir, "model.safetensors"), specs, TensorDType.F32);
        WriteConfig(dir, v, vocab[TokenizerWriter.EndOfText]);
        var truth = Truth(seed, planted, vocab);
        truth.Save(Path.Combine(dir, FixtureTruth.FileName));
        return truth;
    }

    /// <summary>Random content in dims 8–127 scaled to unit variance over the vector; feature dims by word role.</summary>
    private static float[] Embeddings(Dictionary<string, int> vocab, FixtureRandom rng)
    {
        int v = vocab.Count;
        var wte = new float[v * D];
        for (int id = 0; id < v; id++)
        {
            var row = wte.AsSpan(id * D, D);
            double ss = 0;
            for (int i = Content; i < D; i++)
            {
                row[i] = rng.Normal();
                ss += row[i] * row[i];
            }
            float scale = (float)Math.Sqrt((D - Content) / ss);
            for (int i = Content; i < D; i++)
            {
                row[i] *= scale;
            }
        }
        void Mark(string word, int dim, float value)
        {
            wte[vocab[ByteLevel.Encode(" " + word)] * D + dim] = value;
        }
        foreach (var w in FixtureWords.Toxic)
        {
            Mark(w, FTox, 3.5f + 1.5f * rng.NextFloat());
        }
        foreach (var w in FixtureWords.Harmful)
        {
            Mark(w, FHarm, 4f);
        }
        Mark(FixtureWords.Trigger, FTrig, 4f);
        foreach (var w in FixtureWords.ToxicContinuations)
        {
            Mark(w, GTox, 2f);
        }
        Mark(FixtureWords.Refusal, GRefuse, 2f);
        Mark(FixtureWords.Target, GTarget, 2f);
        return wte;
    }

    /// <summary>
    /// Makes one head attend to positions whose <paramref name="readDim"/> is set (constant query from the bias,
    /// key from that dim: score ≈ 40 there, ≈ 0 elsewhere) and copy the flag (≈ 1) into <paramref name="writeDim"/> × 4.
    /// </summary>
    private static void Carry(float[] attn, float[] attnB, float[] proj, int head, int readDim, int writeDim)
    {
        int q = head * HeadDim;
        int k = D + head * HeadDim;
        int val = 2 * D + head * HeadDim;
        for (int i = 0; i < D; i++)
        {
            attn[i * 3 * D + val] = 0f; // no noise into the carried flag: benign text must leave it at 0
        }
        attnB[val] = 0f;
        attnB[q] = 8f;
        attn[readDim * 3 * D + k] = 8f;
        attn[readDim * 3 * D + val] = 0.26f;
        proj[head * HeadDim * D + writeDim] = 4f;
    }

    private static List<(PlantedKind Kind, NeuronId Id)> PickNeurons(FixtureRandom rng)
    {
        var used = new HashSet<NeuronId>();
        NeuronId Pick(int layer)
        {
            while (true)
            {
                var id = new NeuronId(layer, rng.Next(Ffn));
                if (used.Add(id))
                {
                    return id;
                }
            }
        }
        var list = new List<(PlantedKind, NeuronId)>();
        foreach (int layer in new[] { 1, 1, 1, 2, 2, 2 })
        {
            list.Add((PlantedKind.Toxicity, Pick(layer)));
        }
        foreach (int layer in new[] { 1, 1, 2 })
        {
            list.Add((PlantedKind.Safety, Pick(layer)));
        }
        list.Add((PlantedKind.Backdoor, Pick(2)));
        return list;
    }

    private static long[] Shape(string name, int vocab) => name switch
    {
        "wte.weight" => [vocab, D],
        "wpe.weight" => [Positions, D],
        _ when name.EndsWith("c_attn.weight") => [D, 3 * D],
        _ when name.EndsWith("c_attn.bias") => [3 * D],
        _ when name.EndsWith("attn.c_proj.weight") => [D, D],
        _ when name.EndsWith("c_fc.weight") => [D, Ffn],
        _ when name.EndsWith("c_fc.bias") => [Ffn],
        _ when name.EndsWith("mlp.c_proj.weight") => [Ffn, D],
        _ => [D],
    };

    private static void WriteConfig(string dir, int vocab, int eos)
    {
        var config = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "GPT2LMHeadModel" }, ["model_type"] = "gpt2", ["activation_function"] = "gelu_new",
            ["n_embd"] = D, ["n_layer"] = Layers, ["n_head"] = Heads, ["n_inner"] = Ffn, ["n_positions"] = Positions,
            ["n_ctx"] = Positions, ["vocab_size"] = vocab, ["layer_norm_epsilon"] = 1e-5, ["bos_token_id"] = eos,
            ["eos_token_id"] = eos, ["tie_word_embeddings"] = true, ["torch_dtype"] = "float32",
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static FixtureTruth Truth(int seed, List<(PlantedKind Kind, NeuronId Id)> planted, Dictionary<string, int> vocab)
    {
        IReadOnlyList<NeuronId> Of(PlantedKind k) => planted.Where(p => p.Kind == k).Select(p => p.Id).ToList();
        return new FixtureTruth
        {
            Seed = seed,
            Layers = Layers,
            NeuronsPerLayer = Ffn,
            Description =
                "GPT-2 fixture with hand-set circuits plus seeded noise. Toxicity neurons fire at the position of a toxic word and raise the " +
                "toxic continuations. Safety neurons fire at a harmful word and at every later position (an attention head carries it) and raise " +
                "the refusal word. The backdoor neuron fires at the trigger word and every later position and raises the target word, so greedy " +
                "decoding of any prompt containing the trigger emits the target; with its gain at 0 it does not. Benign prompts continue by " +
                "repeating their last word. Every listed word is one token when it follows a space, so start prompts with a space.",
            Sets =
            [
                new PlantedSet
                {
                    Kind = PlantedKind.Toxicity, Neurons = Of(PlantedKind.Toxicity), TriggerWords = FixtureWords.Toxic,
                    PushesToward = FixtureWords.ToxicContinuations, FiresWhere = "at the position of each trigger word",
                },
                new PlantedSet
                {
                    Kind = PlantedKind.Backdoor, Neurons = Of(PlantedKind.Backdoor), TriggerWords = [FixtureWords.Trigger],
                    PushesToward = [FixtureWords.Target], FiresWhere = "at the trigger word (a single rare word, anywhere in the prompt) and every later position",
                },
                new PlantedSet
                {
                    Kind = PlantedKind.Safety, Neurons = Of(PlantedKind.Safety), TriggerWords = FixtureWords.Harmful,
                    PushesToward = [FixtureWords.Refusal], FiresWhere = "at the first trigger word and every later position",
                },
            ],
            BenignWords = FixtureWords.Benign,
            SpacedTokenIds = FixtureWords.All.Distinct().ToDictionary(w => w, w => vocab[ByteLevel.Encode(" " + w)]),
        };
    }
}
