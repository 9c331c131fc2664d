namespace Metrics.Ingest.Validation;

/// <summary>A request field that breaks a rule; becomes InvalidArgument "field: message".</summary>
internal sealed class BatchValidationException : Exception
{
    public BatchValidationException()
    {
    }

    public BatchValidationException(string message)
        : base(message)
    {
    }

    public BatchValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BatchValidationException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public string Field { get; } = "";

    /// <summary>Short reason for the rejected-batches metric (the field without indexes).</summary>
    public string Reason => System.Text.RegularExpressions.Regex.Replace(Field, @"\[\d+\]", "");
}
