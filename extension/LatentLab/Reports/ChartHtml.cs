using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>
/// XPlot charts as HTML that draws with no network. XPlot's own <c>GetHtml()</c> loads plotly.js from a CDN (blank offline)
/// and its inline HTML assumes a global <c>Plotly</c>; this builds a div and a script from the chart's JSON instead, whose
/// script waits until <c>window.Plotly</c> exists (plotly.js may be in an earlier output of the notebook), and optionally
/// carries plotly.js itself (<see cref="PlotlyJs.ScriptTag"/>). All chart-to-HTML code of LatentLab is here.
/// </summary>
public static class ChartHtml
{
    static readonly JsonSerializerOptions ScriptSafe = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>
    /// The chart as an HTML fragment for a notebook output. With <paramref name="includePlotlyJs"/> it starts with the
    /// whole plotly.js bundle (~4.8 MB; once per notebook is enough), otherwise it relies on one earlier output having it.
    /// </summary>
    public static string ToHtml(PlotlyChart chart, bool includePlotlyJs)
    {
        var (data, layout) = ToJson(chart);
        var id = "latentlab-chart-" + Guid.NewGuid().ToString("N");
        var script = $$"""
            <div id="{{id}}" class="latentlab-chart" style="width: {{chart.Width}}px; height: {{chart.Height}}px;"></div>
            <script type="text/javascript">
            (function () {
              var data = {{data}};
              var layout = {{layout}};
              var waited = 0;
              function draw() {
                var el = document.getElementById('{{id}}');
                if (el && typeof window !== 'undefined' && window.Plotly && window.Plotly.newPlot) {
                  window.Plotly.newPlot(el, data, layout, { responsive: true, displaylogo: false });
                  return;
                }
                waited += 100;
                if (waited > 20000) {
                  if (el) {
                    el.textContent = 'This chart needs plotly.js, which LatentLab puts into the first chart of a notebook session; ' +
                      'that output is missing here. Restart the kernel and run the notebook from the top.';
                  }
                  return;
                }
                setTimeout(draw, 100);
              }
              draw();
            })();
            </script>
            """;
        return includePlotlyJs ? PlotlyJs.ScriptTag() + "\n" + script : script;
    }

    /// <summary>A standalone HTML page with plotly.js inlined: opens offline in any browser.</summary>
    public static string ToPage(PlotlyChart chart, string title = "LatentLab chart") =>
        $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>{ReportFormat.Escape(title)}</title></head>\n<body>\n" +
        ToHtml(chart, includePlotlyJs: true) + "\n</body></html>\n";

    /// <summary>
    /// The chart's traces and layout as JSON for plotly.js 4: read from XPlot's plotting script, with XPlot's plotly.js 1
    /// idioms updated (string <c>title</c> -> <c>{"text": ...}</c>, <c>titlefont</c> -> <c>title.font</c>, internal
    /// <c>_isSubplotObj</c> dropped) and every <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> escaped so the JSON is safe inside a script element.
    /// </summary>
    public static (string Data, string Layout) ToJson(PlotlyChart chart)
    {
        string? data = null, layout = null;
        foreach (var line in chart.GetPlottingJS().Split('\n'))
        {
            var text = line.Trim();
            if (text.StartsWith("var data = ", StringComparison.Ordinal)) data = Statement(text, "var data = ");
            else if (text.StartsWith("var layout = ", StringComparison.Ordinal)) layout = Statement(text, "var layout = ");
        }
        if (data is null || layout is null)
        {
            throw new InvalidOperationException(
                "XPlot's chart script does not have the expected 'var data = ...; var layout = ...;' form; ChartHtml supports XPlot.Plotly 4.1.0.");
        }
        var dataNode = JsonNode.Parse(data) ?? new JsonArray();
        var layoutNode = layout is "" or "\"\"" ? new JsonObject() : JsonNode.Parse(layout) ?? new JsonObject();
        Modernize(dataNode);
        Modernize(layoutNode);
        return (dataNode.ToJsonString(ScriptSafe), layoutNode.ToJsonString(ScriptSafe));
    }

    static string Statement(string text, string prefix) => text[prefix.Length..].TrimEnd().TrimEnd(';').Trim();

    static void Modernize(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) Modernize(item);
                break;
            case JsonObject obj:
                obj.Remove("_isSubplotObj");
                if (obj["title"] is JsonValue title && title.GetValueKind() == JsonValueKind.String)
                {
                    obj["title"] = new JsonObject { ["text"] = title.GetValue<string>() };
                }
                if (obj["titlefont"] is JsonNode font)
                {
                    obj.Remove("titlefont");
                    if (obj["title"] is JsonObject existing)
                    {
                        existing["font"] = font;
                    }
                    else
                    {
                        obj["title"] = new JsonObject { ["font"] = font };
                    }
                }
                foreach (var (_, child) in obj.ToList()) Modernize(child);
                break;
        }
    }
}
