using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// Error answers written outside a transcoded call (the gate, authorization, the verdict stream's bad query) in the
/// shape JSON transcoding gives its own errors, a google.rpc.Status: <c>{"code":7,"message":"...","details":[]}</c>,
/// so a client parses every error of the API the same way.
/// </summary>
internal static class HttpErrors
{
    // Quotes stay readable for curl users ("detector 'x'", not "detector \u0027x\u0027"): the body is
    // application/json, never HTML, and JSON.parse reads both the same.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int httpStatus, StatusCode code, string message)
    {
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(response.Body, Options);
        json.WriteStartObject();
        json.WriteNumber("code", (int)code);
        json.WriteString("message", message);
        json.WriteStartArray("details");
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
