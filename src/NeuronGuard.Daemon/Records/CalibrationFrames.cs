using NeuronGuard.Api.V1;
using Grpc.Core;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// Collects the benign requests of one Calibrate call: frames grouped by request id (in order of first appearance),
/// each request's steps contiguous from step 0. Bounded by <see cref="MaxValues"/> so one call cannot take the
/// daemon's memory.
/// </summary>
internal sealed class CalibrationFrames(int slots)
{
    /// <summary>At most 64 Mi values (256 MiB) per call; calibrate on more data with the offline `neuronguard calibrate`.</summary>
    public const long MaxValues = 64L * 1024 * 1024;

    private readonly Dictionary<string, Request> _byId = new(StringComparer.Ordinal);
    private long _values;

    public List<Request> Requests { get; } = new();

    public long NeuronSteps => _values;

    public void Add(Activations frame)
    {
        string id = frame.RequestId;
        if (string.IsNullOrEmpty(id))
        {
            throw Invalid("a frame has no request_id: give every frame the id of the request it belongs to.");
        }
        long expected = (long)frame.Steps * slots;
        if (frame.Steps == 0 || frame.Values.Count != expected)
        {
            throw Invalid($"frame of request '{id}' at step {frame.FirstStep} has {frame.Values.Count} values for {frame.Steps} step(s): " +
                $"expected steps × slots = {frame.Steps} × {slots} = {expected}, in the catalog's slot order.");
        }
        foreach (float v in frame.Values)
        {
            if (!float.IsFinite(v))
            {
                throw Invalid($"frame of request '{id}' at step {frame.FirstStep} holds NaN or an infinite value: send finite activations.");
            }
        }
        if (!_byId.TryGetValue(id, out var request))
        {
            request = new Request(id);
            _byId.Add(id, request);
            Requests.Add(request);
        }
        if (frame.FirstStep != request.Steps)
        {
            throw Invalid($"frame of request '{id}' starts at step {frame.FirstStep} but step {request.Steps} comes next: send each request's steps in order without gaps.");
        }
        _values += expected;
        if (_values > MaxValues)
        {
            throw RpcErrors.Create(StatusCode.ResourceExhausted,
                $"calibration data exceeds {MaxValues} values per call: send fewer or shorter requests, or calibrate offline with `neuronguard calibrate`.");
        }
        request.Frames.Add(((int)frame.FirstStep, (int)frame.Steps));
        request.Values.AddRange(frame.Values);
        request.Steps += (int)frame.Steps;
    }

    private static RpcException Invalid(string message) => RpcErrors.Create(StatusCode.InvalidArgument, message);

    /// <summary>One request: its frames (first step, steps) over its packed steps × slots values.</summary>
    internal sealed class Request(string id)
    {
        public string Id { get; } = id;

        public int Steps { get; set; }

        public List<(int FirstStep, int Steps)> Frames { get; } = new();

        public List<float> Values { get; } = new();
    }
}
