using NeuronGuard.Engine.Baselines;

namespace NeuronGuard.Engine.Tests.Baselines;

public sealed class BaselineFormatTests
{
    /// <summary>
    /// The exact bytes of <see cref="Tiny"/>. If this fails the on-disk format changed: bump
    /// <see cref="BaselineFormat.Version"/>, keep a reader for the old one if stored baselines must survive,
    /// and update this pin deliberately.
    /// </summary>
    private const string TinyHex =
        "4e47424c" + "0200" + "0200" + "0000803e" + "0ad7233c" +      // magic, version 2, B = 2, r = 0.25, FPR = 0.01
        "02006162" + "010031" + "01000000" +                      // "ab", "1", 1 slot
        "01000000" + "02000000" + "0000003f" + "0000803f" +        // layer 1, index 2, mean 0.5, std 1
        "0000803e" + "000080bf" + "00000040" + "ffff0000" +        // deltaRms 0.25, lo −1, hi 2, mass [65535, 0]
        "01000000" + "0800636f766572616765" +                     // 1 detector, "coverage"
        "0000003f" + "01" + "0000003f0000003e" +                  // threshold 0.5, 1 quantile (0.5, 0.125)
        "78bebdd8";                                                   // CRC-32 (cross-checked with Python zlib.crc32)

    /// <summary>The same baseline as written before version 2 (integrity thresholds for the exact-constant score).</summary>
    private const string TinyHexV1 =
        "4e47424c" + "0100" + "0200" + "0000803e" + "0ad7233c" + "02006162" + "010031" + "01000000" +
        "01000000" + "02000000" + "0000003f" + "0000803f" + "0000803e" + "000080bf" + "00000040" + "ffff0000" +
        "01000000" + "0800636f766572616765" + "0000003f" + "01" + "0000003f0000003e" + "f69b6e58";

    [Fact]
    public void Write_TinyBaseline_MatchesPinnedBytes()
    {
        byte[] bytes = BaselineFormat.Write(Tiny);
        Assert.Equal(90, bytes.Length); // 16 header + 4 + 3 strings + 4 + 32 slot + 4 + 23 detector + 4 crc
        Assert.Equal(TinyHex, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Read_WrittenBaseline_RoundTripsEveryField()
    {
        var read = BaselineFormat.Read(BaselineFormat.Write(Tiny));
        Assert.Equal(Tiny.Fingerprint, read.Fingerprint);
        Assert.Equal(Tiny.CatalogVersion, read.CatalogVersion);
        Assert.Equal(Tiny.Bins, read.Bins);
        Assert.Equal(Tiny.MassThreshold, read.MassThreshold);
        Assert.Equal(Tiny.TargetFpr, read.TargetFpr);
        var slot = Assert.Single(read.Slots);
        Assert.Equal(Tiny.Slots[0] with { Mass = slot.Mass }, slot);
        Assert.Equal(Tiny.Slots[0].Mass, slot.Mass);
        var det = Assert.Single(read.Detectors);
        Assert.Equal("coverage", det.Name);
        Assert.Equal(0.5f, det.Threshold);
        Assert.Equal([(0.5f, 0.125f)], det.Quantiles);
    }

    [Fact]
    public void Read_Truncated_ThrowsFormatException()
    {
        byte[] bytes = BaselineFormat.Write(Tiny);
        var e = Assert.Throws<BaselineFormatException>(() => BaselineFormat.Read(bytes.AsSpan(0, 50)));
        Assert.Contains("corrupt or truncated", e.Message);
    }

    [Fact]
    public void Read_FlippedByte_FailsTheChecksum()
    {
        byte[] bytes = BaselineFormat.Write(Tiny);
        bytes[40] ^= 0x10;
        var e = Assert.Throws<BaselineFormatException>(() => BaselineFormat.Read(bytes));
        Assert.Contains("checksum does not match", e.Message);
    }

    [Fact]
    public void Read_OtherVersion_SaysToRecalibrate()
    {
        byte[] bytes = BaselineFormat.Write(Tiny);
        bytes[4] = 4;
        var e = Assert.Throws<BaselineFormatException>(() => BaselineFormat.Read(bytes));
        Assert.Equal("baseline format version 4 is not supported: this build reads versions 1 to 3; recalibrate with this build.", e.Message);
    }

    /// <summary>
    /// Version 3: the same baseline with the trigger scan's prefill statistics, appended per slot after the detectors.
    /// The version-2 pin above is what a baseline without them (written before version 3) still is.
    /// </summary>
    private const string TinyHexV3 =
        "4e47424c" + "0300" + "0200" + "0000803e" + "0ad7233c" + "02006162" + "010031" + "01000000" +
        "01000000" + "02000000" + "0000003f" + "0000803f" + "0000803e" + "000080bf" + "00000040" + "ffff0000" +
        "01000000" + "0800636f766572616765" + "0000003f" + "01" + "0000003f0000003e" +
        "0000003f" + "0000803e" + "0000803f" +                    // prefill mean 0.5, std 0.25, deltaRms 1
        "000080bf" + "00000040" +                                 // prefill lo −1, hi 2
        "8f9cca84";

    [Fact]
    public void Write_WithPrefillStatistics_IsVersion3_PinnedAndRoundTrips()
    {
        var withPrefill = Tiny with { Slots = [Tiny.Slots[0] with { Prefill = new PrefillStats(0.5f, 0.25f, 1f, -1f, 2f) }] };

        byte[] bytes = BaselineFormat.Write(withPrefill);

        Assert.Equal(TinyHexV3, Convert.ToHexStringLower(bytes));
        Assert.Equal(new PrefillStats(0.5f, 0.25f, 1f, -1f, 2f), BaselineFormat.Read(bytes).Slots[0].Prefill);
    }

    [Fact]
    public void Read_Version2_HasNoPrefillStatistics_AndIsWrittenBackAsVersion2()
    {
        var old = BaselineFormat.Read(Convert.FromHexString(TinyHex));

        Assert.Null(old.Slots[0].Prefill);
        Assert.Equal(TinyHex, Convert.ToHexStringLower(BaselineFormat.Write(old)));
    }

    /// <summary>A stored version-1 baseline stays readable, keeps the old integrity score, and is written back byte for byte.</summary>
    [Fact]
    public void Read_Version1_KeepsTheLegacyIntegrityRecipe_AndRoundTrips()
    {
        var old = BaselineFormat.Read(Convert.FromHexString(TinyHexV1));
        Assert.Equal(1, old.IntegrityRecipe);
        Assert.Equal(2, BaselineFormat.Read(BaselineFormat.Write(Tiny)).IntegrityRecipe);
        Assert.Equal(TinyHexV1, Convert.ToHexStringLower(BaselineFormat.Write(old)));
    }

    [Fact]
    public void Read_NotABaseline_SaysSo()
    {
        var e = Assert.Throws<BaselineFormatException>(() => BaselineFormat.Read("{\"format\":1}"u8));
        Assert.Contains("not a NeuronGuard baseline", e.Message);
    }

    private static Baseline Tiny => new()
    {
        Fingerprint = "ab",
        CatalogVersion = "1",
        Bins = 2,
        MassThreshold = 0.25f,
        TargetFpr = 0.01f,
        Slots = [new SlotBaseline(new NeuronRef(1, 2), 0.5f, 1f, 0.25f, -1f, 2f, [65535, 0])],
        Detectors = [new DetectorCalibration("coverage", 0.5f, [(0.5f, 0.125f)])],
    };
}
