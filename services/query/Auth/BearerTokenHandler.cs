using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Metrics.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Metrics.Query.Auth;

/// <summary>
/// Authorization: Bearer &lt;token&gt; checked against <see cref="TokenStore"/>; the principal carries
/// the token's project and scope. A missing or bad token is 401 with WWW-Authenticate, as problem+json.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenStore tokens,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private const string Prefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }

        var identity = await tokens.AuthenticateAsync(header[Prefix.Length..].Trim(), Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The token is unknown, expired or revoked.");
        }

        var claims = new ClaimsIdentity(
            [
                new Claim(Caller.TokenIdClaim, identity.TokenId.ToString(CultureInfo.InvariantCulture)),
                new Claim(Caller.ProjectIdClaim, identity.ProjectId.ToString(CultureInfo.InvariantCulture)),
                new Claim(Caller.ProjectClaim, identity.ProjectName),
                new Claim(Caller.ScopeClaim, ((short)identity.Scope).ToString(CultureInfo.InvariantCulture)),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(claims), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var bad = result.Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = bad
            ? "Bearer realm=\"metrics\", error=\"invalid_token\""
            : "Bearer realm=\"metrics\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = bad ? result.Failure!.Message : "Send 'Authorization: Bearer <token>' with a token of the project (metrics token create).",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = "The token's scope does not allow this request.",
            },
        });
    }
}
