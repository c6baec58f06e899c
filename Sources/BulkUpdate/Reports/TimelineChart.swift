import Foundation

/// The report's timeline as inline SVG: item outcomes per time bucket as stacked bars (left
/// axis) and requests per second as a line (right axis), over the run's duration; a dashed
/// vertical mark, labelled with the new rate, at every `rethrottle` change.
struct TimelineChart {
    private let width = 960.0
    private let height = 260.0
    private let left = 48.0
    private let right = 52.0
    private let top = 28.0
    private let bottom = 30.0

    /// Seconds from the start to the end of the chart.
    private let span: Double
    /// Outcome counts per bucket, by status.
    private let buckets: [[ReportStatus: Int]]
    private let bucketSeconds: Double
    private let requestsPerSecond: [Int]
    /// Rate changes: seconds from the start, and the change.
    private let rateMarks: [(seconds: Double, change: RateChange)]

    init(report: Report) {
        let start = report.summary.startedAt
        let times = report.rows.compactMap { row in row.time.map { max(0, $0.timeIntervalSince(start)) } }
        let marks = (report.rateChanges ?? []).map { (seconds: max(0, $0.time.timeIntervalSince(start)), change: $0) }
        let span = max(
            report.summary.durationSeconds, times.max() ?? 0, Double(report.requestsPerSecond.count),
            marks.map(\.seconds).max() ?? 0, 1)
        let count = max(1, min(60, Int(span.rounded(.up))))
        let bucketSeconds = span / Double(count)
        var buckets = [[ReportStatus: Int]](repeating: [:], count: count)
        for row in report.rows {
            guard let time = row.time else { continue }
            let offset = max(0, time.timeIntervalSince(start))
            let index = min(count - 1, Int(offset / bucketSeconds))
            buckets[index][row.status, default: 0] += 1
        }
        self.span = span
        self.buckets = times.isEmpty ? [] : buckets
        self.bucketSeconds = bucketSeconds
        self.requestsPerSecond = report.requestsPerSecond
        self.rateMarks = marks
    }

    var hasRequests: Bool { requestsPerSecond.contains { $0 > 0 } }

    /// Whether the chart marks rate changes.
    var hasRateChanges: Bool { !rateMarks.isEmpty }

    /// The `<svg>` element, or `nil` when there is nothing to draw.
    func svg() -> String? {
        guard !buckets.isEmpty || hasRequests || hasRateChanges else { return nil }
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let outcomeAxis = Self.axis(for: Double(buckets.map { $0.values.reduce(0, +) }.max() ?? 0))
        let rateAxis = Self.axis(for: Double(requestsPerSecond.max() ?? 0))
        let maxOutcomes = outcomeAxis.top
        let maxRate = rateAxis.top
        func x(_ seconds: Double) -> Double { left + seconds / span * plotWidth }
        func y(_ value: Double, _ top: Double) -> Double { self.top + plotHeight - value / top * plotHeight }
        var out = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" "
        out += "aria-label=\"Outcomes and request rate over the run\">"
        // Horizontal grid and left axis (outcomes per bucket).
        let steps = outcomeAxis.steps
        for step in 0...steps {
            let value = maxOutcomes * Double(step) / Double(steps)
            let lineY = y(value, maxOutcomes)
            out +=
                "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(lineY))\" y2=\"\(f(lineY))\"/>"
            if !buckets.isEmpty {
                out +=
                    "<text x=\"\(f(left - 6))\" y=\"\(f(lineY + 4))\" text-anchor=\"end\">\(Self.label(value))</text>"
            }
            if hasRequests {
                let rate = maxRate * Double(step) / Double(steps)
                out += "<text x=\"\(f(width - right + 6))\" y=\"\(f(lineY + 4))\">\(Self.label(rate))</text>"
            }
        }
        // Time axis.
        let tick = Self.timeStep(span)
        var seconds = 0.0
        while seconds <= span + 0.0001 {
            let tickX = x(seconds)
            out += "<line class=\"axis\" x1=\"\(f(tickX))\" x2=\"\(f(tickX))\" y1=\"\(f(height - bottom))\" "
            out += "y2=\"\(f(height - bottom + 5))\"/><text x=\"\(f(tickX))\" y=\"\(f(height - bottom + 18))\" "
            out += "text-anchor=\"middle\">\(Self.timeLabel(seconds))</text>"
            seconds += tick
        }
        out += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(height - bottom))\" "
        out += "y2=\"\(f(height - bottom))\"/>"
        if !buckets.isEmpty {
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(top - 14))\" text-anchor=\"end\">items</text>"
        }
        if hasRequests {
            out += "<text x=\"\(f(width - right + 6))\" y=\"\(f(top - 14))\">req/s</text>"
        }
        // Stacked outcome bars.
        let barWidth = bucketSeconds / span * plotWidth
        let gap = min(2, barWidth * 0.15)
        for (index, bucket) in buckets.enumerated() where !bucket.isEmpty {
            var base = 0.0
            let start = Double(index) * bucketSeconds
            let label = bucket.sorted { $0.key < $1.key }.map { "\($0.key.label) \($0.value)" }.joined(separator: ", ")
            out += "<g><title>\(Self.timeLabel(start))–\(Self.timeLabel(start + bucketSeconds)): \(label)</title>"
            for status in ReportStatus.allCases {
                guard let count = bucket[status], count > 0 else { continue }
                let top = y(base + Double(count), maxOutcomes)
                let bottom = y(base, maxOutcomes)
                out += "<rect class=\"s-\(status.rawValue)\" x=\"\(f(x(start) + gap / 2))\" y=\"\(f(top))\" "
                out += "width=\"\(f(max(barWidth - gap, 0.5)))\" height=\"\(f(max(bottom - top, 0.5)))\"/>"
                base += Double(count)
            }
            out += "</g>"
        }
        // Request rate line (one point per second, at the middle of the second).
        if hasRequests {
            let points = requestsPerSecond.enumerated().map { index, count in
                "\(f(x(min(Double(index) + 0.5, span)))),\(f(y(Double(count), maxRate)))"
            }
            out += "<polyline class=\"rate\" points=\"\(points.joined(separator: " "))\"><title>requests per second"
            out += "</title></polyline>"
        }
        // Rate changes: a dashed line across the plot, the new rate on top.
        for (seconds, change) in rateMarks {
            let markX = x(min(seconds, span))
            let title =
                "\(Self.timeLabel(seconds)): rate \(RateChange.label(change.previousRate)) → "
                + "\(RateChange.label(change.rate)) (rethrottle)"
            out += "<g class=\"mark\"><title>\(title)</title><line x1=\"\(f(markX))\" x2=\"\(f(markX))\" "
            out += "y1=\"\(f(top - 4))\" y2=\"\(f(height - bottom))\"/><text x=\"\(f(markX + 3))\" "
            out += "y=\"\(f(top + 8))\">\(change.pauses ? "paused" : "\(RateChange.number(change.rate))/s")</text></g>"
        }
        return out + "</svg>"
    }

    private func f(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// An axis from 0 in four whole-number steps of 1, 2, 2.5 or 5 × 10ⁿ: its top and number of steps.
    static func axis(for value: Double) -> (top: Double, steps: Int) {
        var magnitude = 1.0
        while magnitude * 10 * 4 < value { magnitude *= 10 }
        for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor != 2.5 || magnitude >= 10 {
            if factor * magnitude * 4 >= value { return (factor * magnitude * 4, 4) }
        }
        return (magnitude * 40, 4)
    }

    private static func label(_ value: Double) -> String {
        value == value.rounded() ? ReportText.count(Int(value)) : ReportText.decimal(value)
    }

    /// A tick step giving at most about eight ticks.
    static func timeStep(_ span: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800]
        return steps.first { span / $0 <= 8 } ?? 86_400
    }

    /// `0s`, `45s`, `2m`, `2m30s`, `1h05m`.
    static func timeLabel(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole / 60)m\(whole % 60)s" }
        let minutes = whole / 60 % 60
        return "\(whole / 3600)h" + (minutes < 10 ? "0\(minutes)" : "\(minutes)") + "m"
    }
}
