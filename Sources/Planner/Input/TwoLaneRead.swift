import Foundation

/// Reads the elements of a large JSON array on two lanes, with exactly the result of one
/// sequential read.
///
/// The second lane starts at a guessed element boundary near the middle (`}` `,` `{`) and reads
/// to the end of the list; the first reads from the first element and stops at the first element
/// that starts at or beyond the guess. The guess is used only when the first lane stops on it
/// exactly, after a `,` between two elements, which proves it a real boundary (a guess inside a
/// string is never reached that way). In every other case, and for any error, the caller reads
/// the list on one lane, so results and error messages are always those of a sequential read.
enum TwoLaneRead {
    /// Lists of fewer bytes are read on one lane (splitting them costs more than it saves).
    static let threshold = 8 << 20

    /// Both lanes' parts, or `nil`: read the list on one lane.
    ///
    /// - Parameters:
    ///   - bytes: the whole document; `start` is the offset of the first element (after `[`).
    ///   - threshold: lists shorter than this many bytes (or a single core) are not split.
    ///   - read: reads the elements from `from`. With `stopAt` (the first lane) it returns the
    ///     offset of the first element at or beyond `stopAt`, after its `,`; without (the second
    ///     lane) the offset where the list ends, before its `]`. `nil` when reading failed or the
    ///     list ended anywhere else.
    static func read<Part>(
        _ bytes: UnsafeRawBufferPointer, from start: Int, parallelAbove threshold: Int,
        _ read: @escaping @Sendable (_ from: Int, _ stopAt: Int?) -> (part: Part, stop: Int?)
    ) -> (first: Part, second: Part)? {
        let remaining = bytes.count - start
        guard remaining > threshold, ProcessInfo.processInfo.activeProcessorCount > 1,
            let split = boundary(in: bytes, near: start + remaining / 2)
        else { return nil }
        let lanes = ParallelSlots<(part: Part, stop: Int?)>(count: 2)
        DedicatedThread<Void>.run({ lanes[1] = read(split, nil) }, alongside: { lanes[0] = read(start, split) })
        guard let first = lanes[0], first.stop == split, let second = lanes[1], second.stop != nil else { return nil }
        return (first.part, second.part)
    }

    /// The offset of a `{` that follows `}` `,` (whitespace allowed) at or after `offset`, within 1 MB.
    static func boundary(in bytes: UnsafeRawBufferPointer, near offset: Int) -> Int? {
        var index = offset
        let end = min(bytes.count, offset + (1 << 20))
        while index < end {
            guard bytes[index] == UInt8(ascii: "}") else {
                index += 1
                continue
            }
            var next = index + 1
            while next < end, isWhitespace(bytes[next]) { next += 1 }
            guard next < end, bytes[next] == UInt8(ascii: ",") else {
                index += 1
                continue
            }
            next += 1
            while next < end, isWhitespace(bytes[next]) { next += 1 }
            if next < end, bytes[next] == UInt8(ascii: "{") { return next }
            index += 1
        }
        return nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
