using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace NeuronGuard.Inference.Loading;

/// <summary>
/// One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
/// (<c>name → {dtype, shape, data_offsets}</c>), then the raw data. The mapping stays open for the
/// life of the model so F32 weights are read in place, never copied into managed arrays.
/// </summary>
internal sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePtr;
    }

    public string Path { get; }

    public List<TensorEntry> Entries { get; } = new();

    /// <summary>Pointer to the byte at <paramref name="offset"/> from the start of the file.</summary>
    public byte* At(long offset) => _base + offset;

    public static SafeTensorsFile Open(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            LoadErrors.Throw($"weights file '{path}' does not exist; the folder needs model.safetensors or the shards named in model.safetensors.index.json.");
        }
        long size = new FileInfo(path).Length;
        if (size < 8)
        {
            LoadErrors.Throw($"'{path}' is {size} bytes, too short for a safetensors header; the file is truncated (copy it again).");
        }
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, size, MemoryMappedFileAccess.Read);
        byte* ptr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
        ptr += view.PointerOffset;
        var file = new SafeTensorsFile(path, map, view, ptr);
        try
        {
            file.ParseHeader(size);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return file;
    }

    private void ParseHeader(long size)
    {
        long headerLen = *(long*)_base;
        if (headerLen <= 0 || 8 + headerLen > size)
        {
            LoadErrors.Throw($"'{Path}' declares a {headerLen}-byte header but the file is {size} bytes; the file is truncated or not safetensors.");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(new ReadOnlySpan<byte>(_base + 8, (int)headerLen).ToArray()));
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"'{Path}' has an unreadable safetensors header: {e.Message}", e);
        }
        using (doc)
        {
            long dataStart = 8 + headerLen;
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    continue;
                }
                Entries.Add(ParseEntry(prop, dataStart, size));
            }
        }
    }

    private TensorEntry ParseEntry(JsonProperty prop, long dataStart, long size)
    {
        var e = prop.Value;
        string dtypeName = e.GetProperty("dtype").GetString() ?? "";
        if (!TensorDTypes.TryParse(dtypeName, out var dtype))
        {
            LoadErrors.Throw($"tensor '{prop.Name}' in '{Path}' has dtype {dtypeName}; the host reads F32, F16 and BF16 (convert the checkpoint).");
        }
        var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        long begin = dataStart + offsets[0];
        long end = dataStart + offsets[1];
        var entry = new TensorEntry(prop.Name, dtype, shape, begin, end - begin, this);
        if (end > size)
        {
            LoadErrors.Throw($"tensor '{prop.Name}' ends at byte {end} but '{Path}' is only {size} bytes; the file is truncated (copy it again).");
        }
        if (entry.ElementCount * TensorDTypes.Size(dtype) != entry.Length)
        {
            LoadErrors.Throw($"tensor '{prop.Name}' in '{Path}' spans {entry.Length} bytes but shape [{string.Join(", ", shape)}] of {dtypeName} needs {entry.ElementCount * TensorDTypes.Size(dtype)}; the header is corrupt.");
        }
        return entry;
    }

    public void Dispose()
    {
        if (_base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }
        _view.Dispose();
        _map.Dispose();
    }
}
