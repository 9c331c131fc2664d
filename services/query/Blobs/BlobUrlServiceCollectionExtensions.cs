namespace Metrics.Query.Blobs;

/// <summary>Registers <see cref="BlobUrlSigner"/> with its options, validated at start-up.</summary>
internal static class BlobUrlServiceCollectionExtensions
{
    public static IServiceCollection AddBlobUrls(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BlobUrlOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BlobUrlSigner>();
        return services;
    }
}
