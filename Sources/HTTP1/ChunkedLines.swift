/// What one byte of a chunked-framing line did.
///
/// Invariant: `endOfLine` is given only for a CR at a place where the line may end, and
/// `invalid` exactly when no valid line has this byte here, so a caller can stop at once.
enum LineStep: Equatable {
    /// Allowed here; the line goes on.
    case more
    /// The CR that ends the line (its LF is checked by the caller).
    case endOfLine
    /// No valid line has this byte here: the framing is broken (400).
    case invalid
}

/// The chunk extensions after a chunk size, up to the line's CR (RFC 9112 §7.1.1):
/// `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`.
///
/// Invariant: the position names the grammar's place after the bytes taken so far, so a
/// line is refused at its first byte that no valid line could have there (`2 erf` at `e`),
/// however the line was split.
enum ChunkExtensionPosition: Equatable, Sendable {
    /// Right after the size digits: `;`, whitespace (then `;`) or the CR.
    case afterSize
    /// Whitespace after the size or a value: only `;` may follow it.
    case beforeSemicolon
    /// After `;`: whitespace, then a name.
    case beforeName
    case name
    /// Whitespace after a name: `=` or `;` may follow.
    case afterName
    /// After `=`: whitespace, then a token or a quoted string.
    case beforeValue
    case tokenValue
    case quotedValue
    /// After a backslash inside a quoted string.
    case quotedPair
    /// After a quoted string's closing quote.
    case afterQuotedValue

    mutating func take(_ byte: UInt8) -> LineStep {
        let isSpace = ASCII.isWhitespace(byte)
        switch self {
        case .afterSize, .afterQuotedValue, .tokenValue:
            if self == .tokenValue && ASCII.isTokenCharacter(byte) { return .more }
            if byte == ASCII.cr { return .endOfLine }
            if byte == ASCII.semicolon { self = .beforeName } else if isSpace { self = .beforeSemicolon } else { return .invalid }
        case .beforeSemicolon:
            if byte == ASCII.semicolon { self = .beforeName } else if !isSpace { return .invalid }
        case .beforeName:
            if ASCII.isTokenCharacter(byte) { self = .name } else if !isSpace { return .invalid }
        case .name, .afterName:
            if self == .name && ASCII.isTokenCharacter(byte) { return .more }
            if byte == ASCII.cr && self == .name { return .endOfLine }
            if byte == ASCII.semicolon { self = .beforeName } else if byte == ASCII.equals { self = .beforeValue } else if isSpace { self = .afterName } else { return .invalid }
        case .beforeValue:
            if byte == ASCII.quote { self = .quotedValue } else if ASCII.isTokenCharacter(byte) { self = .tokenValue } else if !isSpace { return .invalid }
        case .quotedValue:
            // qdtext: HTAB, SP, VCHAR but `"` and `\`, obs-text
            if byte == ASCII.quote { self = .afterQuotedValue } else if byte == ASCII.backslash { self = .quotedPair } else if !ASCII.isFieldValueByte(byte) { return .invalid }
        case .quotedPair:
            guard ASCII.isFieldValueByte(byte) else { return .invalid }
            self = .quotedValue
        }
        return .more
    }
}

/// One trailer line after the last chunk, up to its CR: a field line `token ":" OWS value
/// OWS`, held to the header lines' rules (RFC 9112 §5, §7.1.2): no whitespace before the
/// colon, no obs-fold, no control byte but HTAB in the value.
///
/// Invariant: as for `ChunkExtensionPosition`, a line is refused at its first impossible byte.
enum TrailerFieldPosition: Equatable, Sendable {
    /// The first byte of the line (the CR of the empty line that ends the trailers is the
    /// caller's): a name must start here; whitespace would be obs-fold.
    case start
    case name
    case value

    mutating func take(_ byte: UInt8) -> LineStep {
        switch self {
        case .start:
            guard ASCII.isTokenCharacter(byte) else { return .invalid }
            self = .name
        case .name:
            if byte == ASCII.colon { self = .value } else if !ASCII.isTokenCharacter(byte) { return .invalid }
        case .value:
            if byte == ASCII.cr { return .endOfLine }
            if !ASCII.isFieldValueByte(byte) { return .invalid }
        }
        return .more
    }
}
