import Foundation
import Planner

/// `plan --format html`: the plan as one self-contained page in the look of `report.html`: the
/// summary, every config's diff (a secret reads "changed"), filters by status and by field, and the
/// plan's fingerprint. No external assets; every piece of text from the plan is HTML-escaped.
public enum PlanHTML {
    /// Renders the page.
    public static func render(_ plan: Plan) -> String {
        let summary = PlanRenderer.Summary(plan)
        let requests = summary.requests(plan)
        var body = header(plan, requests: requests)
        body += cards(plan, summary: summary, requests: requests)
        body += warnings(plan)
        body += items(plan, summary: summary)
        body += """
            <footer>Planned by bulk-update · apply exactly this plan with <code>bulk-update apply --plan</code> · \
            fingerprint <code>\(escape(plan.fingerprint))</code></footer>

            """
        return ReportHTML.page(
            title: "bulk-update plan · \(plan.fingerprint.prefix(12))", style: style, body: body, script: script)
    }

    private static func escape(_ text: String) -> String { ReportHTML.escape(text) }

    private static func header(_ plan: Plan, requests: Int) -> String {
        let verdict =
            requests == 0 ? ("ok", "Nothing to send") : ("warn", "\(ReportText.count(requests)) requests to send")
        var facts: [(String, String)] = [
            (
                "Change list",
                "\(escape(plan.input.file)) <span class=\"dim\">\(escape(plan.input.format)), "
                    + "\(ReportText.count(plan.input.rows)) row\(plan.input.rows == 1 ? "" : "s"), sha256 \(escape(String(plan.input.digest.prefix(16))))</span>"
            )
        ]
        if let org = plan.org { facts.append(("Org", "<code>\(escape(org))</code>")) }
        if let baseURL = plan.baseURL { facts.append(("API", escape(baseURL))) }
        facts.append(("Fingerprint", "<code>\(escape(plan.fingerprint))</code>"))
        facts.append(("Require match", plan.options.requireMatch ? "yes" : "no"))
        var out = """
            <header>
            <div class="title"><h1>bulk-update plan</h1><span class="verdict \(verdict.0)">\(escape(verdict.1))</span></div>
            <dl class="facts">
            """
        for (label, value) in facts { out += "<div><dt>\(label)</dt><dd>\(value)</dd></div>" }
        return out + "</dl>\n</header>\n"
    }

    private static func cards(_ plan: Plan, summary: PlanRenderer.Summary, requests: Int) -> String {
        var out = "<section class=\"cards\" aria-label=\"Summary\">\n"
        out += card("total", "Configs", plan.items.count, "targeted")
        out += card("update", "Update", summary.update, "one PUT each")
        out += card("enable-only", "Enable only", summary.enableOnly, "one POST each")
        out += card("unchanged", "Unchanged", summary.unchanged, "nothing sent")
        out += card("neutral", "Requests", requests, "to send")
        out += card("neutral", "Waves", summary.waves.count, summary.waves.map(String.init).joined(separator: ", "))
        return out + "</section>\n"
    }

    private static func card(_ kind: String, _ label: String, _ value: Int, _ note: String) -> String {
        "<div class=\"card s-\(kind)\"><div class=\"label\">\(escape(label))</div>"
            + "<div class=\"value\">\(ReportText.count(value))</div><div class=\"note\">\(escape(note))</div></div>\n"
    }

    private static func warnings(_ plan: Plan) -> String {
        guard !plan.warnings.isEmpty else { return "" }
        var out = "<section><h2>Warnings <span class=\"dim\">\(ReportText.count(plan.warnings.count))</span></h2>\n"
        out += "<ul class=\"problems\">\n"
        for warning in plan.warnings { out += "<li class=\"s-conflict\">\(escape(warning.description))</li>\n" }
        return out + "</ul></section>\n"
    }

    /// The changed fields of an item, for the field filter: dotted paths, and `enabled`.
    private static func fields(_ item: PlanItem) -> [String] {
        item.diff.map(\.dottedPath) + (item.enable ? ["enabled"] : [])
    }

    private static func items(_ plan: Plan, summary: PlanRenderer.Summary) -> String {
        var out = "<section><h2>Configs</h2>\n"
        guard !plan.items.isEmpty else { return out + "<p class=\"empty\">The plan targets no config.</p></section>\n" }
        let counts: [(PlanItemStatus, String, Int)] = [
            (.update, "update", summary.update), (.enableOnly, "enable only", summary.enableOnly),
            (.unchanged, "unchanged", summary.unchanged),
        ]
        out += "<div class=\"filters\" role=\"toolbar\" aria-label=\"Filter by status and field\">"
        out += "<button type=\"button\" class=\"chip\" data-status=\"all\" aria-pressed=\"true\">All "
        out += "<b>\(ReportText.count(plan.items.count))</b></button>"
        for (status, label, count) in counts where count > 0 {
            out += "<button type=\"button\" class=\"chip s-\(status.rawValue)\" data-status=\"\(status.rawValue)\" "
            out += "aria-pressed=\"false\">\(label) <b>\(ReportText.count(count))</b></button>"
        }
        var byField: [String: Int] = [:]
        for item in plan.items { for field in Set(fields(item)) { byField[field, default: 0] += 1 } }
        out += "<select id=\"field\" aria-label=\"Changed field\"><option value=\"\">Any changed field</option>"
        for field in byField.keys.sorted() {
            out +=
                "<option value=\"\(escape(field))\">\(escape(field)) (\(ReportText.count(byField[field] ?? 0)))</option>"
        }
        out += "</select>"
        out += "<input type=\"search\" id=\"q\" placeholder=\"Search id, name, value…\" aria-label=\"Search\">"
        out +=
            "<span class=\"dim\"><span id=\"shown\">\(ReportText.count(plan.items.count))</span> shown</span></div>\n"
        out += "<div class=\"scroll\"><table id=\"items\"><thead><tr><th>Status</th><th>Config</th><th>Wave</th>"
        out += "<th>Version</th><th>Changes</th><th>Lines</th></tr></thead><tbody>\n"
        for item in plan.items {
            out +=
                "<tr data-status=\"\(item.status.rawValue)\" data-fields=\"\(escape(fields(item).joined(separator: " ")))\">"
            out += "<td><span class=\"pill s-\(item.status.rawValue)\">\(item.status.rawValue)</span></td>"
            out += "<td><strong>\(escape(item.name ?? ""))</strong><br><code>\(escape(item.id))</code>"
            out += "<div class=\"dim\">\(escape(item.entityType)) → \(escape(item.destination))</div></td>"
            out += "<td class=\"num\">\(item.wave)</td><td class=\"nowrap\">\(item.versionRead)"
            if let expected = item.expectedVersion { out += " <span class=\"dim\">(expected \(expected))</span>" }
            out += "</td><td>"
            if item.diff.isEmpty, !item.enable { out += "<span class=\"dim\">already in the planned state</span>" }
            out += "<dl class=\"diff\">"
            for change in item.diff {
                out += "<dt><code>\(escape(change.dottedPath))</code></dt><dd>"
                if change.secret {
                    out += "<span class=\"secret\">secret \(PlanRenderer.secretWord(change))</span>"
                } else {
                    out += "<del>\(value(change.before))</del> → <ins>\(value(change.after))</ins>"
                }
                out += "</dd>"
            }
            if item.enable {
                out +=
                    "<dt><code>enabled</code></dt><dd><del>false</del> → <ins>true</ins> <span class=\"dim\">(POST …/enable)</span></dd>"
            }
            out +=
                "</dl></td><td class=\"nowrap\">\(item.inputLines.map(String.init).joined(separator: ", "))</td></tr>\n"
        }
        return out + "</tbody></table></div></section>\n"
    }

    private static func value(_ value: JSONValue?) -> String {
        guard let value else { return "<span class=\"dim\">(none)</span>" }
        return "<code>\(escape(value.canonicalText))</code>"
    }

    private static let style = """
        .s-update{--c:var(--enabled)}.s-enable-only{--c:var(--applied)}.s-neutral{--c:var(--line)}
        .diff{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
        .diff dt{margin:0}.diff dd{margin:0;word-break:break-all}
        del{color:var(--failed);text-decoration:line-through}ins{color:var(--applied);text-decoration:none}
        .secret{color:var(--conflict);font-weight:600}
        #field{font:inherit;padding:3px 8px;border:1px solid var(--line);border-radius:6px;background:var(--panel);
        color:var(--text)}
        """

    private static let script = """
        (function(){var rows=[].slice.call(document.querySelectorAll('#items tbody tr'));
        var text=rows.map(function(r){return r.textContent.toLowerCase();});
        var fields=rows.map(function(r){return ' '+r.getAttribute('data-fields')+' ';});
        var chips=[].slice.call(document.querySelectorAll('.chip'));var q=document.getElementById('q');
        var field=document.getElementById('field');var shown=document.getElementById('shown');var status='all';
        if(!q)return;function apply(){var t=q.value.trim().toLowerCase(),f=field.value,n=0;
        for(var i=0;i<rows.length;i++){var ok=(status==='all'||rows[i].getAttribute('data-status')===status)
        &&(!f||fields[i].indexOf(' '+f+' ')>=0)&&(!t||text[i].indexOf(t)>=0);rows[i].hidden=!ok;if(ok)n++;}
        shown.textContent=n.toLocaleString('en-US');}
        chips.forEach(function(c){c.addEventListener('click',function(){chips.forEach(function(x){
        x.setAttribute('aria-pressed','false');});c.setAttribute('aria-pressed','true');
        status=c.getAttribute('data-status');apply();});});q.addEventListener('input',apply);
        field.addEventListener('change',apply);})();
        """
}
