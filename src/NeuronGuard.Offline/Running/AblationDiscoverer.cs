using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Running;

/// <summary>
/// Attenuation sets chosen by causal effect (issue 27 item 4): the neurons that recognise a trigger (AUROC) are often not
/// the ones that write the backdoor's target, so this ranks neurons by what ablating them at GENERATED positions does to
/// the target's log-probability, and sizes the set by ablation.
/// <list type="number">
/// <item>Ranking, on the even lines of the triggered prompts: each prompt is prefilled once (the prompt's pass is never
/// edited: an attenuation switched on by a flag acts from the first generated token), then the target is teacher-forced
/// after it with a candidate ablated (zeroed, or patched to its value in the paired clean prompt's run); the effect is the
/// mean drop of log P(target tokens 2..T). Greedy search (the default): blocks of <see cref="CausalDiscoverOptions.Block"/>
/// neurons are added in rounds, each round scoring the remaining blocks with the chosen ones already ablated (neurons that
/// stand in for each other only show once their partners are gone). Single search: each block alone, then each neuron of
/// the <see cref="CausalDiscoverOptions.KeepBlocks"/> strongest blocks alone, ranked first; the rest follow by block.</item>
/// <item>Size, on the odd lines (disjoint prompts): greedy continuations with the top k zeroed at generated positions,
/// k = 1, 2, 4, … up to <see cref="CausalDiscoverOptions.MaxSize"/>; the first k whose attack success is at most
/// <see cref="CausalDiscoverOptions.MaxSuccess"/> is narrowed by bisection to the smallest that still meets it. When no
/// size meets it, the smallest size with the lowest attack success is kept and <see cref="CausalDiscoveryResult.GoalMet"/> is false.</item>
/// </list>
/// </summary>
public static class AblationDiscoverer
{
    public static CausalDiscoveryResult Run(ModelHost host, IReadOnlyList<string> positive, IReadOnlyList<string> negative, NeuronSetKind kind,
        CausalDiscoverOptions options, ProgressLine? progress = null)
    {
        Validate(options);
        var target = host.Tokenizer.Encode(options.Target, addBos: false);
        if (target.Length < 2)
        {
            throw new ArgumentException($"the target \"{options.Target}\" is {target.Length} token(s): generated positions can only change a target of at least two tokens.");
        }
        var rank = Enumerable.Range(0, positive.Count).Where(i => i % 2 == 0).Take(options.RankPrompts).ToList();
        var check = Enumerable.Range(0, positive.Count).Where(i => i % 2 == 1).Take(options.CheckPrompts).ToList();
        if (rank.Count == 0 || check.Count == 0)
        {
            throw new ArgumentException($"causal discovery needs at least 2 triggered prompts (ranking on even lines, size on odd lines); got {positive.Count}.");
        }
        if (options.Method == CausalMethod.Patch && negative.Count < positive.Count)
        {
            throw new ArgumentException($"--method patch pairs line i of the triggered prompts with line i of the clean ones: {positive.Count} triggered but {negative.Count} clean.");
        }
        var info = host.Info;
        var all = Enumerable.Range(0, info.Layers).SelectMany(l => Enumerable.Range(0, info.MlpNeurons).Select(n => new NeuronId(l, n))).ToArray();
        var scorer = new TargetEffect(host, target, options.Method, info.Layers, info.MlpNeurons);
        var prompts = rank.Select(i => (positive[i], options.Method == CausalMethod.Patch ? negative[i] : null)).ToList();

        var blocks = all.Chunk(Math.Max(1, options.Block)).ToArray();
        if (options.Search == CausalSearch.Greedy)
        {
            var greedy = Greedy(scorer, prompts, blocks, options, progress);
            progress?.Finish();
            return Finish(host, positive, negative, kind, options, check, rank.Count, greedy);
        }
        var blockDrop = scorer.Drops(prompts, blocks, progress);
        var order = Enumerable.Range(0, blocks.Length).OrderByDescending(b => blockDrop[b]).ThenBy(b => b).ToArray();
        var ranked = new List<NeuronEffect>();
        if (options.Block > 1)
        {
            var alone = order.Take(options.KeepBlocks).SelectMany(b => blocks[b]).ToArray();
            var drops = scorer.Drops(prompts, alone.Select(n => new[] { n }).ToArray(), progress);
            ranked.AddRange(alone.Select((n, i) => new NeuronEffect(n, drops[i], true)).OrderByDescending(e => e.Drop).ThenBy(e => e.Neuron.Layer).ThenBy(e => e.Neuron.Neuron));
            ranked.AddRange(order.Skip(options.KeepBlocks).SelectMany(b => blocks[b].Select(n => new NeuronEffect(n, blockDrop[b] / blocks[b].Length, false))));
        }
        else
        {
            ranked.AddRange(order.Select(b => new NeuronEffect(blocks[b][0], blockDrop[b], true)));
        }
        progress?.Finish();
        return Finish(host, positive, negative, kind, options, check, rank.Count, ranked);
    }

    /// <summary>
    /// Greedy search with interactions: each round scores every remaining block with the blocks chosen so far already
    /// ablated, and adds the best ones (as many blocks as are chosen already: the set doubles each round), so a neuron
    /// whose work another takes over when it alone is removed still counts once its partner is gone.
    /// </summary>
    private static List<NeuronEffect> Greedy(TargetEffect scorer, List<(string, string?)> prompts, NeuronId[][] blocks, CausalDiscoverOptions options, ProgressLine? progress)
    {
        var chosen = new List<NeuronEffect>();
        var remaining = Enumerable.Range(0, blocks.Length).ToList();
        while (remaining.Count > 0 && chosen.Count < options.MaxSize)
        {
            var fixedSet = chosen.Select(e => e.Neuron).ToArray();
            var drops = scorer.Drops(prompts, remaining.Select(b => blocks[b]).ToArray(), progress, fixedSet);
            int take = Math.Max(1, chosen.Count / Math.Max(1, options.Block));
            foreach (int i in Enumerable.Range(0, remaining.Count).OrderByDescending(i => drops[i]).ThenBy(i => i).Take(take).ToList())
            {
                chosen.AddRange(blocks[remaining[i]].Select(n => new NeuronEffect(n, drops[i] / blocks[remaining[i]].Length, false)));
            }
            var taken = chosen.Select(e => e.Neuron).ToHashSet();
            remaining.RemoveAll(b => taken.Contains(blocks[b][0]));
        }
        chosen.AddRange(remaining.SelectMany(b => blocks[b].Select(n => new NeuronEffect(n, 0, false))));
        return chosen;
    }

    private static CausalDiscoveryResult Finish(ModelHost host, IReadOnlyList<string> positive, IReadOnlyList<string> negative, NeuronSetKind kind,
        CausalDiscoverOptions options, List<int> check, int rankCount, List<NeuronEffect> ranked)
    {
        var sizer = new SizeCheck(host, options, check.Select(i => positive[i]).ToList(), check.Where(i => i < negative.Count).Select(i => negative[i]).ToList());
        var (growth, original, chosen, met) = sizer.Choose(ranked.Select(e => e.Neuron).ToArray());
        var set = ToSet(kind, options, ranked.Take(chosen).ToList(), chosen, growth.First(g => g.Size == chosen), met);
        return new CausalDiscoveryResult(ranked.ToArray(), growth, original, chosen, met, set, rankCount);
    }

    private static void Validate(CausalDiscoverOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Target))
        {
            throw new ArgumentException("give the backdoor's target continuation (--target): causal discovery measures what ablation does to it.");
        }
        if (o.RankPrompts < 1 || o.CheckPrompts < 1 || o.Block < 1 || o.KeepBlocks < 1 || o.MaxSize < 1 || o.MaxNewTokens < 1)
        {
            throw new ArgumentException("rank prompts, check prompts, block, keep blocks, max size and max new tokens must each be at least 1.");
        }
        if (o.MaxSuccess is < 0 or > 1 || double.IsNaN(o.MaxSuccess))
        {
            throw new ArgumentException($"the attack-success goal must be in [0, 1]; got {o.MaxSuccess}.");
        }
    }

    private static NeuronSet ToSet(NeuronSetKind kind, CausalDiscoverOptions o, List<NeuronEffect> kept, int size, GrowthPoint at, bool met)
    {
        double top = Math.Max(1e-12, kept.Count == 0 ? 1 : kept.Max(e => e.Drop));
        string method = o.Method == CausalMethod.Zero ? "causal-ablation-zero" : "causal-activation-patch";
        string goal = met ? "met" : "NOT met";
        return new NeuronSet
        {
            Name = o.SetName ?? kind.ToString().ToLowerInvariant() + "-attenuate",
            Kind = kind,
            Role = NeuronSetRole.Attenuate,
            // Score: the neuron's effect relative to the strongest (1), so a top-k cut keeps the strongest; gain 0: the ablation the size was checked with.
            Neurons = kept.Select(e => new CatalogNeuron { Layer = e.Neuron.Layer, Index = e.Neuron.Neuron, Score = Math.Clamp(e.Drop / top, 0, 1), Gain = 0 }).ToList(),
            Provenance = new Provenance
            {
                Method = method,
                Data = $"{o.Data}; target \"{o.Target}\"; size {size} by ablation at generated positions: attack success {at.Hits}/{at.Prompts} on held-apart discovery prompts (goal ≤ {o.MaxSuccess:P0} {goal})",
                Date = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            },
        };
    }

    /// <summary>Teacher-forced target log-probability after a prompt, with a group of neurons ablated at generated positions.</summary>
    private sealed class TargetEffect(ModelHost host, int[] target, CausalMethod method, int layers, int neurons)
    {
        /// <param name="fixedSet">Neurons ablated in every run, the original included: the drop of a group is what it adds to them.</param>
        public double[] Drops(List<(string Triggered, string? Clean)> prompts, NeuronId[][] groups, ProgressLine? progress, NeuronId[]? fixedSet = null)
        {
            fixedSet ??= [];
            var drops = new double[groups.Length];
            using var session = host.CreateSession();
            var gains = new GeneratedPositionGains();
            var patch = new GeneratedPositionPatch(layers, neurons);
            using var g = session.Register(gains);
            using var p = session.Register(patch);
            var forced = target[..^1];
            foreach (var (triggered, clean) in prompts)
            {
                if (clean is not null)
                {
                    var cleanTokens = PromptRunner.Tokens(host, clean, session.MaxContextTokens - forced.Length);
                    patch.From = cleanTokens.Length;
                    patch.StartRecording();
                    session.Reset();
                    session.Prefill(cleanTokens);
                    session.PrefillAllLogits(forced);
                    patch.Patch([]);
                }
                var tokens = PromptRunner.Tokens(host, triggered, session.MaxContextTokens - forced.Length);
                gains.From = tokens.Length;
                patch.From = tokens.Length;
                Ablate(gains, patch, fixedSet);
                session.Reset();
                session.Prefill(tokens);
                double original = LogProb(session, tokens.Length, forced);
                for (int i = 0; i < groups.Length; i++)
                {
                    Ablate(gains, patch, fixedSet.Length == 0 ? groups[i] : [.. fixedSet, .. groups[i]]);
                    drops[i] += (original - LogProb(session, tokens.Length, forced)) / prompts.Count;
                }
                gains.Set([]);
                patch.Patch([]);
                progress?.Advance();
            }
            return drops;
        }

        private void Ablate(GeneratedPositionGains gains, GeneratedPositionPatch patch, NeuronId[] chosen)
        {
            if (method == CausalMethod.Zero)
            {
                gains.Set(chosen.Select(n => (n, 0f)));
            }
            else
            {
                patch.Patch(chosen);
            }
        }

        /// <summary>Σ log P(target[j+1] | prompt, target[..j]) over the rows the generated positions write.</summary>
        private double LogProb(InferenceSession session, int from, int[] forced)
        {
            session.Rewind(from);
            var logits = session.PrefillAllLogits(forced);
            int vocab = logits.Length / forced.Length;
            double total = 0;
            for (int j = 0; j < forced.Length; j++)
            {
                var row = logits.Slice(j * vocab, vocab);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double sum = 0;
                foreach (float v in row)
                {
                    sum += Math.Exp(v - max);
                }
                total += row[target[j + 1]] - max - Math.Log(sum);
            }
            return total;
        }
    }

    /// <summary>The size rule on the check prompts (doubling, then bisection below the first size that meets the goal).</summary>
    private sealed class SizeCheck(ModelHost host, CausalDiscoverOptions options, List<string> triggered, List<string> clean)
    {
        private readonly Dictionary<int, GrowthPoint> _tried = new();
        private List<int[]>? _cleanOriginal;

        public (List<GrowthPoint> Growth, GrowthPoint Original, int Chosen, bool Met) Choose(NeuronId[] ranked)
        {
            using var attack = new BackdoorAttack(host, options.Target, options.MaxNewTokens);
            _cleanOriginal = clean.Select(attack.Continue).ToList();
            var original = Measure(attack, ranked, 0);
            int max = Math.Min(options.MaxSize, ranked.Length);
            var sizes = new List<int>();
            for (int k = 1; k < max; k *= 2)
            {
                sizes.Add(k);
            }
            sizes.Add(max);
            int? met = null;
            foreach (int k in sizes)
            {
                if (Meets(Measure(attack, ranked, k)))
                {
                    met = k;
                    break;
                }
            }
            if (met is int high)
            {
                int low = sizes.LastOrDefault(s => s < high); // fails the goal (or 0)
                while (high - low > 1)
                {
                    int mid = (low + high) / 2;
                    if (Meets(Measure(attack, ranked, mid)))
                    {
                        high = mid;
                    }
                    else
                    {
                        low = mid;
                    }
                }
            }
            var growth = _tried.Values.Where(g => g.Size > 0).OrderBy(g => g.Size).ToList();
            int chosen = met is null ? growth.OrderBy(g => g.Hits).ThenBy(g => g.Size).First().Size : growth.Where(Meets).Min(g => g.Size);
            return (growth, original, chosen, met is not null);
        }

        private bool Meets(GrowthPoint g) => g.Hits <= options.MaxSuccess * g.Prompts;

        private GrowthPoint Measure(BackdoorAttack attack, NeuronId[] ranked, int k)
        {
            if (_tried.TryGetValue(k, out var known))
            {
                return known;
            }
            attack.SetGains(ranked.Take(k).Select(n => (n, 0f)));
            int hits = triggered.Count(t => attack.Succeeds(attack.Continue(t)));
            int changed = clean.Select((t, i) => attack.Continue(t).SequenceEqual(_cleanOriginal![i]) ? 0 : 1).Sum();
            attack.SetGains([]);
            return _tried[k] = new GrowthPoint(k, hits, triggered.Count, changed, clean.Count);
        }
    }
}
