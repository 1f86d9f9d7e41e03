using NeuronGuard.Api.V1;
using NeuronGuard.Grpc;

namespace NeuronGuard.Daemon.Records;

/// <summary>Method descriptors of <c>neuronguard.v1.Catalogs</c> and <c>neuronguard.v1.Baselines</c>, shared by the services and clients (ctl).</summary>
public static class RecordMethods
{
    public const string CatalogsService = "neuronguard.v1.Catalogs";
    public const string BaselinesService = "neuronguard.v1.Baselines";

    public static readonly Method<PutCatalogRequest, PutCatalogResponse> PutCatalog =
        ProtobufMethod.Create<PutCatalogRequest, PutCatalogResponse>(MethodType.Unary, CatalogsService, "PutCatalog");

    public static readonly Method<GetCatalogRequest, Catalog> GetCatalog =
        ProtobufMethod.Create<GetCatalogRequest, Catalog>(MethodType.Unary, CatalogsService, "GetCatalog");

    public static readonly Method<ListCatalogsRequest, ListCatalogsResponse> ListCatalogs =
        ProtobufMethod.Create<ListCatalogsRequest, ListCatalogsResponse>(MethodType.Unary, CatalogsService, "ListCatalogs");

    public static readonly Method<ActivateCatalogRequest, ActivateCatalogResponse> ActivateCatalog =
        ProtobufMethod.Create<ActivateCatalogRequest, ActivateCatalogResponse>(MethodType.Unary, CatalogsService, "ActivateCatalog");

    public static readonly Method<CalibrateMessage, BaselineInfo> Calibrate =
        ProtobufMethod.Create<CalibrateMessage, BaselineInfo>(MethodType.ClientStreaming, BaselinesService, "Calibrate");

    public static readonly Method<GetBaselineRequest, BaselineInfo> GetBaseline =
        ProtobufMethod.Create<GetBaselineRequest, BaselineInfo>(MethodType.Unary, BaselinesService, "GetBaseline");

    public static readonly Method<ActivateBaselineRequest, ActivateBaselineResponse> ActivateBaseline =
        ProtobufMethod.Create<ActivateBaselineRequest, ActivateBaselineResponse>(MethodType.Unary, BaselinesService, "ActivateBaseline");
}
