using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NeuronGuard.Grpc.Internal.Server;

/// <summary>Runs one registered method for one HTTP request: start, filters, the shape-specific core, completion.</summary>
internal abstract class ServerMethodHandler
{
    protected ServerMethodHandler(MethodType type, string fullName)
    {
        Type = type;
        FullName = fullName;
        int slash = fullName.LastIndexOf('/');
        _names = (fullName[1..slash], fullName[(slash + 1)..]);
    }

    private readonly (string Service, string Method) _names;

    public MethodType Type { get; }

    public string FullName { get; }

    public async Task HandleAsync(HttpContext httpContext, GrpcServerOptions options, IReadOnlyList<ServerCallFilter> filters, ILogger logger)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var call = new HttpServerCall(httpContext, FullName, options, logger);
        if (!call.TryStart())
        {
            return;
        }
        Exception? error = null;
        try
        {
            foreach (var filter in filters)
            {
                await filter(call.Context).ConfigureAwait(false);
            }
            await RunAsync(call).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        await call.CompleteAsync(error).ConfigureAwait(false);
        options.OnCallCompleted?.Invoke(_names.Service, _names.Method, StatusCodeNames.Of(call.FinalStatusCode), System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    protected abstract Task RunAsync(HttpServerCall call);

    /// <summary>Unary and server-streaming calls carry exactly one request message.</summary>
    protected static async Task<T> ReadSingleAsync<T>(HttpServerCall call, Marshaller<T> marshaller)
    {
        var reader = call.CreateRequestReader(marshaller);
        if (!await reader.MoveNext().ConfigureAwait(false))
        {
            throw new RpcException(StatusCode.Internal, "The request ended without a message; a unary request carries exactly one.");
        }
        var message = reader.Current;
        if (await reader.MoveNext().ConfigureAwait(false))
        {
            throw new RpcException(StatusCode.Internal, "The request carried more than one message; a unary request carries exactly one.");
        }
        return message;
    }
}
