using Microsoft.Extensions.Options;

namespace Tracker.Core.Claims;

public sealed class ClaimsOptions
{
    public const string SectionName = "Tracker:Claims";

    /// <summary>A claims ledger file to use instead of the embedded Claims/claims.json (same format).</summary>
    public string? LedgerPath { get; set; }
}

/// <summary>Loads the ledger when options are validated, so a bad entry stops start-up with its name in the message.</summary>
internal sealed class ClaimsOptionsValidator : IValidateOptions<ClaimsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClaimsOptions options)
    {
        try
        {
            ClaimsLedger.Load(options.LedgerPath);
            return ValidateOptionsResult.Success;
        }
        catch (ClaimsLedgerException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
