import Planner
import Testing

@Suite("Secrets")
struct SecretsTests {
    @Test(
        "recognises secret-looking keys case-insensitively, ignoring _ - .",
        arguments: [
            ("apiKey", true), ("API_KEY", true), ("client-secret", true), ("Password", true), ("accessToken", true),
            ("private.key", true), ("credentials", true), ("webhookSecretV2", true), ("Zürich-Password", true),
            ("Zürich", false),
            ("url", false), ("retries", false), ("key", false), ("api", false), ("headers", false),
            ("privateer", false),
        ])
    func secretKeys(_ key: String, _ secret: Bool) {
        #expect(Secrets.isSecretKey(key) == secret)
    }

    @Test("a fingerprint is the first 12 hex digits of SHA-256 over the value's canonical JSON")
    func fingerprintText() {
        // Expected digits from Python: hashlib.sha256(b'"s3cr3t"'), hashlib.sha256(b'{"a":[1,null]}').
        #expect(Secrets.fingerprint(.string("s3cr3t")) == .string("<redacted sha256:5b9929d2f7ee>"))
        #expect(
            Secrets.fingerprint(.object(["a": .array([.integer(1), .null])]))
                == .string("<redacted sha256:a290b55a84a4>"))
    }

    @Test("redaction is idempotent, so a plan read back hashes the same")
    func idempotent() {
        let data: [String: JSONValue] = [
            "apiKey": .string("k"), "nested": .object(["token": .integer(7)]), "url": .string("u"),
        ]
        let once = Secrets.redact(data)
        #expect(once["url"] == .string("u"))
        #expect(once["apiKey"].map(Secrets.isFingerprint) == true)
        #expect(Secrets.redact(once) == once)
        #expect(Secrets.redact(["password": .null]) == ["password": .null])
    }
}
