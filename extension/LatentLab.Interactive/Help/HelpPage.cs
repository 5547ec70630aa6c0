using System.Net;
using System.Text;
using LatentLab.Interactive.Formatting;
using LatentLab.Torch;

namespace LatentLab.Interactive.Help;

/// <summary>Writes the <c>#!latentlab</c> help and the load card as HTML (notebooks) and plain text (consoles).</summary>
public static class HelpPage
{
    const string Style = "font-family: var(--vscode-font-family, sans-serif); line-height: 1.4;";

    /// <summary>The full help: environment, then every command with its options, defaults, allowed values and example.</summary>
    public static HtmlFragment Render(EnvironmentStatus env, IReadOnlyList<CommandHelp> commands) =>
        new(Html(env, commands), Text(env, commands));

    /// <summary>The short card shown when the extension loads: what was loaded, versions, device, what to try first.</summary>
    public static HtmlFragment LoadCard(EnvironmentStatus env, IReadOnlyList<CommandHelp> commands)
    {
        var names = string.Join(", ", commands.Select(c => c.Name));
        var html = new StringBuilder();
        html.Append($"<div class=\"latentlab-card\" style=\"{Style}\">");
        html.Append($"<b>LatentLab {E(env.LatentLabVersion)}</b> is loaded: magic commands {string.Join(", ", commands.Select(c => $"<code>{E(c.Name)}</code>"))}; ");
        html.Append("inline display of TorchSharp tensors and of XPlot charts (drawn offline, no network needed).<br/>");
        html.Append(EnvironmentLineHtml(env));
        html.Append("<br/>Try first: <code>#!latentlab</code> (every command, its options and an example).</div>");
        var text = $"LatentLab {env.LatentLabVersion} is loaded: magic commands {names}; tensor and chart display (offline).\n" +
                   EnvironmentLineText(env) + "\nTry first: #!latentlab";
        return new HtmlFragment(html.ToString(), text);
    }

    static string Html(EnvironmentStatus env, IReadOnlyList<CommandHelp> commands)
    {
        var html = new StringBuilder();
        html.Append($"<div class=\"latentlab-help\" style=\"{Style}\">");
        html.Append($"<h3>LatentLab {E(env.LatentLabVersion)}</h3>");
        html.Append("<table><tbody>");
        html.Append($"<tr><th style=\"text-align:left\">LatentLab</th><td>{E(env.LatentLabVersion)}</td></tr>");
        if (env.Runtime is { } rt)
        {
            html.Append($"<tr><th style=\"text-align:left\">TorchSharp</th><td>{E(rt.TorchSharp)}</td></tr>");
            html.Append($"<tr><th style=\"text-align:left\">libtorch</th><td>{E(rt.LibTorch)}</td></tr>");
            html.Append($"<tr><th style=\"text-align:left\">Devices</th><td>{E(rt.Devices)}; <code>--device auto</code> uses {E(env.AutoDevice)}</td></tr>");
            html.Append($"<tr><th style=\"text-align:left\">Torch threads</th><td>{rt.Threads}</td></tr>");
            html.Append($"<tr><th style=\"text-align:left\">Native libraries</th><td>{E(rt.NativeStatus)}</td></tr>");
            html.Append($"<tr><th style=\"text-align:left\">Math kernels</th><td>{E(rt.Kernels)}</td></tr>");
            if (!rt.CudaAvailable) html.Append($"<tr><th style=\"text-align:left\">GPU</th><td>{E(RuntimeInfo.GpuSetup)}</td></tr>");
        }
        html.Append("</tbody></table>");
        if (env.Error is { } error)
        {
            html.Append(ErrorHtml(error));
        }
        html.Append("<p>Every command checks its options and names the allowed values when one is wrong; an interrupt stops it; " +
                    "<code>--out name</code> puts the result in a C# variable for the next cell.</p>");
        foreach (var command in commands)
        {
            html.Append($"<h4><code>{E(command.Name)}</code></h4><p>{E(command.Description)}</p>");
            html.Append($"<p>Example:</p><pre>{E(command.Example)}</pre>");
            if (command.Options.Count > 0)
            {
                // Folded: with a dozen commands of ~25 options each the page would run to hundreds of rows.
                html.Append($"<details><summary>{command.Options.Count} options of <code>{E(command.Name)}</code>: defaults and allowed values</summary>");
                html.Append("<table><thead><tr><th style=\"text-align:left\">option</th><th style=\"text-align:left\">description</th>" +
                            "<th style=\"text-align:left\">default</th><th style=\"text-align:left\">allowed</th></tr></thead><tbody>");
                foreach (var o in command.Options)
                {
                    html.Append($"<tr><td style=\"white-space:nowrap\"><code>{E(o.Name)}</code>{(o.Required ? " (required)" : "")}</td><td style=\"text-align:left\">{E(o.Description)}</td>" +
                                $"<td><code>{E(o.Default ?? "")}</code></td><td>{E(o.Allowed ?? o.TypeHint)}</td></tr>");
                }
                html.Append("</tbody></table></details>");
            }
        }
        html.Append("</div>");
        return html.ToString();
    }

    static string Text(EnvironmentStatus env, IReadOnlyList<CommandHelp> commands)
    {
        var text = new StringBuilder();
        text.AppendLine($"LatentLab {env.LatentLabVersion}");
        text.AppendLine(EnvironmentLineText(env));
        if (env.Runtime is { } rt)
        {
            text.AppendLine($"Native libraries: {rt.NativeStatus}");
            text.AppendLine($"Math kernels: {rt.Kernels}");
            if (!rt.CudaAvailable) text.AppendLine($"GPU: {RuntimeInfo.GpuSetup}");
        }
        foreach (var command in commands)
        {
            text.AppendLine();
            text.AppendLine(command.Name);
            text.AppendLine($"  {command.Description}");
            var width = command.Options.Count == 0 ? 0 : command.Options.Max(o => o.Name.Length);
            foreach (var o in command.Options)
            {
                var details = string.Join("; ", new[]
                {
                    o.Default is null ? null : $"default {o.Default}",
                    o.Allowed ?? o.TypeHint,
                    o.Required ? "required" : null,
                }.Where(s => s is not null));
                text.AppendLine($"  {o.Name.PadRight(width)}  {o.Description} ({details})");
            }
            text.AppendLine($"  Example: {command.Example}");
        }
        return text.ToString();
    }

    static string EnvironmentLineHtml(EnvironmentStatus env) => env.Runtime is { } rt
        ? $"TorchSharp {E(rt.TorchSharp)}, libtorch {E(rt.LibTorch)}; devices: {E(rt.Devices)}, <code>--device auto</code> uses " +
          $"<b>{E(env.AutoDevice)}</b>; torch threads: {rt.Threads}."
        : ErrorHtml(env.Error ?? "TorchSharp was not initialised.");

    static string EnvironmentLineText(EnvironmentStatus env) => env.Runtime is { } rt
        ? $"TorchSharp {rt.TorchSharp}, libtorch {rt.LibTorch}; devices: {rt.Devices}, --device auto uses {env.AutoDevice}; torch threads: {rt.Threads}."
        : $"TorchSharp is not available: {env.Error}";

    static string ErrorHtml(string error) =>
        $"<div style=\"border-left: 4px solid #c00; padding: 4px 8px; margin: 4px 0;\"><b>TorchSharp is not available:</b> {E(error)}</div>";

    static string E(string s) => WebUtility.HtmlEncode(s);
}
