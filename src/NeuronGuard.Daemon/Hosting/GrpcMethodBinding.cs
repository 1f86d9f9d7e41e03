using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon.Auth;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>What <see cref="GrpcMethodBinding{TService}"/> adds to every method it binds.</summary>
public sealed class GrpcMethodBindingOptions
{
    /// <summary>Add each method's authorization policy (<see cref="MethodRoles"/>); set by <c>AddNeuronGuardAuth</c>.</summary>
    public bool Authorize { get; set; }
}

/// <summary>
/// Binds gRPC services as grpc-dotnet's own binder does (the generated <c>BindService</c>), with two differences:
/// a request that does not parse answers INTERNAL with a short message (grpc-dotnet answers UNKNOWN "Exception was thrown
/// by handler." and logs a stack trace at error level for each), and every method carries its authorization policy as
/// endpoint metadata, so authorization runs in middleware before the body is read.
/// </summary>
internal sealed class GrpcMethodBinding<TService>(IOptions<GrpcMethodBindingOptions> options, ClientFaultLog faults)
    : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bind = FindBindMethod(typeof(TService));
        if (bind is null)
        {
            return;
        }
        var binder = new Binder(context, bind.GetParameters()[1].ParameterType, options.Value.Authorize, faults);
        bind.Invoke(null, [binder, null]);
    }

    /// <summary>Registers the binder in place of grpc-dotnet's (call after AddGrpc).</summary>
    public static void Replace(IServiceCollection services)
    {
        for (int i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IServiceMethodProvider<>) && services[i].ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true)
            {
                services.RemoveAt(i);
            }
        }
    }

    private static MethodInfo? FindBindMethod(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                return attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), t]);
            }
        }
        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType, bool authorize, ClientFaultLog faults) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Wrap(method), Metadata(method), Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Wrap(method), Metadata(method),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Wrap(method), Metadata(method),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Wrap(method), Metadata(method),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        private Method<TRequest, TResponse> Wrap<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class where TResponse : class
        {
            var inner = method.RequestMarshaller;
            string name = method.FullName;
            var request = Marshallers.Create(inner.ContextualSerializer, ctx =>
            {
                try
                {
                    return inner.ContextualDeserializer(ctx);
                }
                catch (Exception e) when (e is not RpcException and not OperationCanceledException)
                {
                    faults.RequestNotParsed(name, e.Message);
                    throw new RpcException(new Status(StatusCode.Internal, $"the request is not a valid {typeof(TRequest).Name} message: {e.Message}"));
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, request, method.ResponseMarshaller);
        }

        private List<object> Metadata(IMethod method)
        {
            var metadata = new List<object>(typeof(TService).GetCustomAttributes(inherit: true)) { new HttpMethodMetadata(["POST"]) };
            if (authorize)
            {
                metadata.Add(MethodRoles.Required(method.FullName) is { } role ? new AuthorizeAttribute(role.Name()) : new AllowAnonymousAttribute());
            }
            return metadata;
        }

        // An open-instance delegate over the generated base method: calls dispatch virtually to the service's override.
        private TDelegate Invoker<TDelegate>(IMethod method, params Type[] parameters) where TDelegate : Delegate
        {
            var baseMethod = declaringType.GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{declaringType} has no method {method.Name}.");
            return (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), baseMethod);
        }
    }
}
