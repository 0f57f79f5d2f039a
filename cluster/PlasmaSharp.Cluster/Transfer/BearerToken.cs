using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>The object service's one authentication scheme: every node shares a token and sends
/// it as "authorization: Bearer TOKEN". Checked in constant time, for every gRPC call (the raw
/// service and Flight alike); /healthz and /metrics stay open, as Cluster I documents.</summary>
internal static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>The header a puller sends (empty metadata without a token).</summary>
    public static Metadata Headers(string? token) => token is null ? [] : new Metadata { { "authorization", Scheme + token } };

    /// <summary>Middleware: gRPC requests (content type application/grpc...) without the token get
    /// status UNAUTHENTICATED and never reach a service.</summary>
    public static RequestDelegate Require(string token, RequestDelegate next)
    {
        byte[] expected = Encoding.UTF8.GetBytes(Scheme + token);
        return async context =>
        {
            bool grpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
            if (grpc && !Matches(context.Request.Headers.Authorization.ToString(), expected))
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/grpc";
                // A "trailers-only" reply: the status travels in the headers, as gRPC servers do for early errors.
                context.Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.Headers["grpc-message"] = "this node requires the cluster's bearer token";
                return;
            }
            await next(context).ConfigureAwait(false);
        };
    }

    private static bool Matches(string header, byte[] expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), expected);
}
