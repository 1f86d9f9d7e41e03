using NeuronGuard.Storage.Internal;

namespace NeuronGuard.Storage.Tests;

/// <summary>The persisted record format: pinned byte for byte, because both stores keep it for years.</summary>
public sealed class RecordEnvelopeTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeMilliseconds(0x0102030405);

    [Fact]
    public void Encode_SmallRecord_MatchesPinnedLayoutV1()
    {
        var blob = RecordEnvelope.Encode(RecordKind.Baseline, "fp", "v1", 3, Created, "al", [0xAA, 0xBB]);

        Assert.Equal(Convert.FromHexString(
            "4E475245" +         // magic "NGRE"
            "0100" +             // envelope version 1
            "02" + "00" +        // kind baseline, reserved
            "03000000" +         // payload format version 3
            "0504030201000000" + // created, Unix ms
            "0200000000000000"), // payload length 2
            blob[..28]);
        Assert.Equal(Convert.FromHexString("0200" + "02" + "02"), blob[60..64]); // actor, fingerprint, version lengths
        Assert.Equal("alfpv1"u8.ToArray(), blob[64..70]);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, blob[70..]);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(new byte[] { 0xAA, 0xBB }), blob[28..60]);
    }

    [Fact]
    public void Decode_EncodedRecord_ReturnsPayloadAndMetadata()
    {
        var blob = RecordEnvelope.Encode(RecordKind.Catalog, "fp", "v1", 3, Created, "alice", [1, 2, 3]);

        var record = RecordEnvelope.Decode(blob, RecordKind.Catalog, "fp", "v1", "test");

        Assert.Equal(new byte[] { 1, 2, 3 }, record.Payload.ToArray());
        Assert.Equal(new RecordInfo(RecordKind.Catalog, "fp", "v1", 3, Created, "alice", 3,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 1, 2, 3 }))), record.Info);
    }

    [Fact]
    public void Decode_UnderAnotherVersion_ThrowsWrongKey()
    {
        var blob = RecordEnvelope.Encode(RecordKind.Catalog, "fp", "v1", 1, Created, "alice", [1]);

        var error = Assert.Throws<StoreDataException>(() => RecordEnvelope.Decode(blob, RecordKind.Catalog, "fp", "v2", "key x"));

        Assert.Contains("key x is corrupt: it holds catalog 'v1' of model 'fp' (written under the wrong key)", error.Message);
    }

    [Fact]
    public void Decode_Truncated_ThrowsLengthMismatch()
    {
        var blob = RecordEnvelope.Encode(RecordKind.Catalog, "fp", "v1", 1, Created, "alice", new byte[100]);

        var error = Assert.Throws<StoreDataException>(() => RecordEnvelope.Decode(blob[..^1], RecordKind.Catalog, "fp", "v1", "key x"));

        Assert.Contains("its payload is 99 bytes, the header says 100", error.Message);
    }

    [Fact]
    public void Encode_ActorOver256Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => RecordEnvelope.Encode(RecordKind.Catalog, "fp", "v1", 1, Created, new string('a', 257), []));
    }
}
