using System.Globalization;
using Metrics.Storage;
using Microsoft.AspNetCore.Authorization;

namespace Metrics.Query.Auth;

/// <summary>The bearer scheme and the "read" policy every API endpoint requires.</summary>
internal static class QueryAuthorization
{
    public const string ReadPolicy = "read";

    public static IServiceCollection AddQueryAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy
                .AddAuthenticationSchemes(BearerTokenHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => HasScope(context, TokenScope.Read)));
        return services;
    }

    private static bool HasScope(AuthorizationHandlerContext context, TokenScope required) =>
        short.TryParse(context.User.FindFirst(Caller.ScopeClaim)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var scope)
        && scope >= (short)required;
}
