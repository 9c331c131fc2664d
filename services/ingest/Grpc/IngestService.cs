using Grpc.Core;
using Metrics.Contracts.V1;
using Metrics.Ingest.Auth;
using Metrics.Ingest.Telemetry;
using Metrics.Ingest.Validation;
using Metrics.Ingest.Writing;
using Metrics.Storage;
using Metrics.Storage.Writes;

namespace Metrics.Ingest.Grpc;

/// <summary>The metrics.v1.Ingest service: OpenRun here, the Write stream in <see cref="WriteStreamHandler"/>.</summary>
internal sealed class IngestService(RunStore runs, StoragePipeline storage, WriteStreamHandler writeStreams, Microsoft.Extensions.Options.IOptions<IngestOptions> options, ILogger<IngestService> logger)
    : IngestServiceBase
{
    private const int MaxHParams = 1000;

    public override async Task<OpenRunResponse> OpenRun(OpenRunRequest request, ServerCallContext context)
    {
        var identity = CallIdentity.Get(context);
        if (request.ExpectedProject.Length > 0 && request.ExpectedProject != identity.ProjectName)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"expected_project: the token belongs to project '{identity.ProjectName}', not '{request.ExpectedProject}'"));
        }

        if (RunNames.Problem(request.RunName) is { } runProblem)
        {
            throw Statuses.InvalidException("run_name", runProblem);
        }

        if (Names.WriterIdProblem(request.WriterId) is { } writerProblem)
        {
            throw Statuses.InvalidException("writer_id", writerProblem);
        }

        var hparams = ConvertHParams(request);
        for (var i = 0; i < request.HparamMetrics.Count; i++)
        {
            if (Names.TagProblem(request.HparamMetrics[i], options.Value.MaxTagLength) is { } problem)
            {
                throw Statuses.InvalidException($"hparam_metrics[{i}]", problem);
            }
        }

        using var activity = IngestMetrics.ActivitySource.StartActivity("ingest.open_run");
        OpenRunResult result;
        try
        {
            result = await storage.ExecuteAsync(
                ct => new ValueTask<OpenRunResult>(runs.OpenRunAsync(
                    identity.ProjectId, request.RunName, request.WriterId, hparams,
                    request.HasRestartAtStep ? request.RestartAtStep : null, [.. request.HparamMetrics], ct)),
                context.CancellationToken);
        }
        catch (Exception e) when (StoragePipeline.IsUnavailable(e))
        {
            throw new RpcException(Statuses.StorageUnavailable);
        }

        activity?.SetTag("metrics.run_id", result.RunId);
        IngestLog.RunOpened(logger, result.RunId, request.RunName, request.WriterId, identity.ProjectId, result.LastCommittedSeq);
        return new OpenRunResponse { RunId = result.RunId, LastCommittedSeq = (ulong)result.LastCommittedSeq, Project = identity.ProjectName };
    }

    public override Task Write(IAsyncStreamReader<WriteRequest> requestStream, IServerStreamWriter<WriteResponse> responseStream, ServerCallContext context) =>
        writeStreams.RunAsync(requestStream, responseStream, context);

    private static Dictionary<string, object> ConvertHParams(OpenRunRequest request)
    {
        if (request.Hparams.Count > MaxHParams)
        {
            throw Statuses.InvalidException("hparams", $"{request.Hparams.Count} hyperparameters, more than {MaxHParams}");
        }

        var hparams = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Hparams)
        {
            var field = $"hparams[\"{name}\"]";
            if (name.Length is 0 or > 256 || Names.TextProblem(name, "hyperparameter name") is not null)
            {
                throw Statuses.InvalidException(field, "a hyperparameter name is 1-256 printable characters");
            }

            hparams[name] = value.KindCase switch
            {
                HParamValue.KindOneofCase.StringValue => value.StringValue,
                HParamValue.KindOneofCase.NumberValue => value.NumberValue,
                HParamValue.KindOneofCase.BoolValue => value.BoolValue,
                _ => throw Statuses.InvalidException(field, "the value needs string_value, number_value or bool_value"),
            };
        }

        return hparams;
    }
}
