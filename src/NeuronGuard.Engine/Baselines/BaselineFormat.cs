using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace NeuronGuard.Engine.Baselines;

/// <summary>
/// The baseline binary, format version 3 (2 and 1 lack the prefill section; 1 differs in
/// <see cref="Baseline.IntegrityRecipe"/>), little-endian throughout:
/// <code>
/// "NGBL"                      magic (4 bytes)
/// u16 version = 3, u16 bins B, f32 mass threshold r, f32 target FPR
/// str fingerprint, str catalog version          (str = u16 byte length + UTF-8)
/// u32 slot count S, then per slot:
///   i32 layer, i32 index, f32 mean, f32 std, f32 deltaRms, f32 lo, f32 hi, u16[B] mass
/// u32 detector count D, then per detector:
///   str name, f32 threshold, u8 quantile count Q, Q × (f32 level, f32 value)
/// version 3 only, per slot in slot order: f32 prefill mean, std, deltaRms, lo, hi
/// u32 CRC-32 (IEEE, System.IO.Hashing.Crc32) of every byte before it
/// </code>
/// A test pins the bytes of a tiny baseline: change the layout only together with the version. Version 2 changed the
/// meaning of the integrity thresholds only; version 1 baselines are read (and written back) as version 1. Version 3
/// adds the trigger scan's prefill statistics (<see cref="PrefillStats"/>); a baseline without them is written as
/// version 2 and read back with <see cref="SlotBaseline.Prefill"/> null (the trigger scan then stays uncalibrated).
/// </summary>
public static class BaselineFormat
{
    public const ushort Version = 3;

    /// <summary>Whether this build reads payloads of format <paramref name="version"/> (1, 2 and 3).</summary>
    public static bool Reads(int version) => version is 1 or 2 or Version;

    /// <summary>The version a baseline is written as: the oldest that holds everything it has.</summary>
    public static ushort VersionOf(Baseline baseline) =>
        baseline.IntegrityRecipe == 1 ? (ushort)1 : HasPrefill(baseline) ? Version : (ushort)2;

    /// <summary>Whether every slot carries prefill statistics (the trigger scan's; format 3).</summary>
    public static bool HasPrefill(Baseline baseline) => baseline.Slots.Count > 0 && baseline.Slots.All(s => s.Prefill is not null);

    internal static ReadOnlySpan<byte> Magic => "NGBL"u8;

    public static byte[] Write(Baseline baseline)
    {
        using var ms = new MemoryStream();
        var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true); // BinaryWriter is little-endian on every platform
        w.Write(Magic);
        ushort version = VersionOf(baseline);
        w.Write(version);
        w.Write(checked((ushort)baseline.Bins));
        w.Write(baseline.MassThreshold);
        w.Write(baseline.TargetFpr);
        WriteString(w, baseline.Fingerprint);
        WriteString(w, baseline.CatalogVersion);
        w.Write(baseline.Slots.Count);
        foreach (var s in baseline.Slots)
        {
            if (s.Mass.Length != baseline.Bins)
            {
                Throw.Argument($"slot {s.Neuron} has {s.Mass.Length} histogram bins but the baseline declares {baseline.Bins}.", nameof(baseline));
            }
            w.Write(s.Neuron.Layer);
            w.Write(s.Neuron.Index);
            w.Write(s.Mean);
            w.Write(s.Std);
            w.Write(s.DeltaRms);
            w.Write(s.Lo);
            w.Write(s.Hi);
            foreach (ushort m in s.Mass)
            {
                w.Write(m);
            }
        }
        w.Write(baseline.Detectors.Count);
        foreach (var d in baseline.Detectors)
        {
            WriteString(w, d.Name);
            w.Write(d.Threshold);
            w.Write(checked((byte)d.Quantiles.Count));
            foreach (var (level, value) in d.Quantiles)
            {
                w.Write(level);
                w.Write(value);
            }
        }
        if (version == Version)
        {
            foreach (var s in baseline.Slots)
            {
                var p = s.Prefill!.Value;
                w.Write(p.Mean);
                w.Write(p.Std);
                w.Write(p.DeltaRms);
                w.Write(p.Lo);
                w.Write(p.Hi);
            }
        }
        w.Flush();
        uint crc = Crc32.HashToUInt32(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        w.Write(crc);
        w.Flush();
        return ms.ToArray();
    }

    /// <summary>Reads a baseline; throws <see cref="BaselineFormatException"/> saying what is wrong with the bytes.</summary>
    public static Baseline Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8 || !data[..4].SequenceEqual(Magic))
        {
            Throw.BaselineFormat("this is not a NeuronGuard baseline (it does not start with \"NGBL\"); give the file written by `neuronguard calibrate`.");
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (!Reads(version))
        {
            Throw.BaselineFormat($"baseline format version {version} is not supported: this build reads versions 1 to {Version}; recalibrate with this build.");
        }
        if (data.Length < 12)
        {
            Throw.BaselineFormat($"the baseline is truncated: {data.Length} bytes is shorter than its header; re-copy or recalibrate it.");
        }
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
        uint actual = Crc32.HashToUInt32(data[..^4]);
        if (stored != actual)
        {
            Throw.BaselineFormat($"the baseline's checksum does not match (stored {stored:x8}, computed {actual:x8}): the file is corrupt or truncated; re-copy or recalibrate it.");
        }
        var r = new BaselineReader(data[..^4]);
        r.Skip(6);
        int bins = r.U16();
        float mass = r.F32();
        float fpr = r.F32();
        string fingerprint = r.Str();
        string catalogVersion = r.Str();
        int slotCount = r.Count(28 + 2 * bins, "slot");
        var slots = new SlotBaseline[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            var neuron = new NeuronRef(r.I32(), r.I32());
            float mean = r.F32(), std = r.F32(), delta = r.F32(), lo = r.F32(), hi = r.F32();
            var m = new ushort[bins];
            for (int b = 0; b < bins; b++)
            {
                m[b] = r.U16();
            }
            slots[i] = new SlotBaseline(neuron, mean, std, delta, lo, hi, m);
        }
        int detectorCount = r.Count(7, "detector");
        var detectors = new DetectorCalibration[detectorCount];
        for (int i = 0; i < detectorCount; i++)
        {
            string name = r.Str();
            float threshold = r.F32();
            int q = r.U8();
            var quantiles = new (float, float)[q];
            for (int k = 0; k < q; k++)
            {
                quantiles[k] = (r.F32(), r.F32());
            }
            detectors[i] = new DetectorCalibration(name, threshold, quantiles);
        }
        if (version == Version)
        {
            for (int i = 0; i < slotCount; i++)
            {
                slots[i] = slots[i] with { Prefill = new PrefillStats(r.F32(), r.F32(), r.F32(), r.F32(), r.F32()) };
            }
        }
        r.EnsureEnd();
        return new Baseline
        {
            Fingerprint = fingerprint, CatalogVersion = catalogVersion, Bins = bins, MassThreshold = mass,
            TargetFpr = fpr, Slots = slots, Detectors = detectors, IntegrityRecipe = version == 1 ? 1 : 2,
        };
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write(checked((ushort)bytes.Length));
        w.Write(bytes);
    }
}
