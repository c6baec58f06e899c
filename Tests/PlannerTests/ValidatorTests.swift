import Foundation
import Planner
import Testing

@Suite("Change-list validation")
struct ValidatorTests {
    static let id = TestInputs.id1

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var csv: String
        var messages: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unknown column with a suggestion", csv: "id,name,destinaton\n\(id),n,x\n",
            messages: ["changes.csv:1:3: error: unknown column 'destinaton' (did you mean 'destination'?)"]),
        Case(
            name: "unknown match column with a suggestion", csv: "match.destinatoinId,name\nx,y\n",
            messages: [
                "changes.csv:1:1: error: unknown column 'match.destinatoinId' (did you mean 'match.destinationId'?)",
                "changes.csv:2: error: row has no selector: give 'id' or at least one 'match.<field>'",
            ]),
        Case(
            name: "match on a field that cannot be matched", csv: "match.configData,name\nx,y\n",
            messages: [
                "changes.csv:1:1: error: cannot match on 'configData' (match columns: match.entityType, match.entityId, match.destination, match.destinationId, match.integrationCredentialsId, match.name)",
                "changes.csv:2: error: row has no selector: give 'id' or at least one 'match.<field>'",
            ]),
        Case(
            name: "unknown column far from every name", csv: "id,zzzzzzzz,name\n\(id),1,n\n",
            messages: [
                "changes.csv:1:2: error: unknown column 'zzzzzzzz' (known: id, name, entityType, entityId, destination, destinationId, integrationCredentialsId, configData, match.entityType, match.entityId, match.destination, match.destinationId, match.integrationCredentialsId, match.name, enabled, expectedVersion, wave, configData.<key>)"
            ]),
        Case(
            name: "empty configData key", csv: "id,configData..x,name\n\(id),1,n\n",
            messages: [
                "changes.csv:1:2: error: column 'configData..x' has an empty key (write configData.<key>[.<key>…])"
            ]),
        Case(
            name: "duplicate column", csv: "id,name,name\n\(id),a,b\n",
            messages: ["changes.csv:1:3: error: column 'name' appears twice (columns 2 and 3)"]),
        Case(
            name: "row with neither id nor match", csv: "id,name\n,x\n",
            messages: ["changes.csv:2: error: row has no selector: give 'id' or at least one 'match.<field>'"]),
        Case(
            name: "row with both id and match", csv: "id,match.destination,name\n\(id),Stripe,x\n",
            messages: ["changes.csv:2: error: row has both 'id' and 'match.*' selectors; use one of them"]),
        Case(
            name: "malformed UUID in id", csv: "id,name\n1234,x\n",
            messages: ["changes.csv:2:1: error: 'id' is not a UUID: '1234'"]),
        Case(
            name: "malformed UUID in entityId", csv: "id,entityId\n\(id),abc\n",
            messages: ["changes.csv:2:2: error: 'entityId' is not a UUID: 'abc'"]),
        Case(
            name: "malformed UUID in destinationId",
            csv: "id,destinationId\n\(id),11111111-1111-1111-1111-11111111111g\n",
            messages: ["changes.csv:2:2: error: 'destinationId' is not a UUID: '11111111-1111-1111-1111-11111111111g'"]),
        Case(
            name: "malformed UUID in integrationCredentialsId", csv: "id,integrationCredentialsId\n\(id),{x}\n",
            messages: ["changes.csv:2:2: error: 'integrationCredentialsId' is not a UUID: '{x}'"]),
        Case(
            name: "malformed UUID in a match column", csv: "match.integrationCredentialsId,name\nnope,x\n",
            messages: ["changes.csv:2:1: error: 'match.integrationCredentialsId' is not a UUID: 'nope'"]),
        Case(
            name: "entityType outside the allowed characters", csv: "id,entityType\n\(id),Bill Run\n",
            messages: [
                "changes.csv:2:2: error: 'entityType' must contain only letters, digits, '_' and '-': 'Bill Run'"
            ]),
        Case(
            name: "destination outside the allowed characters", csv: "id,destination\n\(id),web/hook\n",
            messages: [
                "changes.csv:2:2: error: 'destination' must contain only letters, digits, '_' and '-': 'web/hook'"
            ]),
        Case(
            name: "clearing entityType", csv: "id,entityType\n\(id),\\N\n",
            messages: ["changes.csv:2:2: error: cannot clear 'entityType': the API requires a value"]),
        Case(
            name: "clearing destination", csv: "id,destination\n\(id),\\N\n",
            messages: ["changes.csv:2:2: error: cannot clear 'destination': the API requires a value"]),
        Case(
            name: "enabled=false", csv: "id,enabled\n\(id),false\n",
            messages: [
                "changes.csv:2:2: error: 'enabled' cannot be false: m3ter has no endpoint to disable an integration config (leave the cell empty to keep the current state)"
            ]),
        Case(
            name: "enabled neither true nor empty", csv: "id,enabled\n\(id),yes\n",
            messages: ["changes.csv:2:2: error: 'enabled' must be 'true' (or empty), got 'yes'"]),
        Case(
            name: "non-integer expectedVersion", csv: "id,name,expectedVersion\n\(id),x,4.5\n",
            messages: ["changes.csv:2:3: error: 'expectedVersion' must be a whole number, got '4.5'"]),
        Case(
            name: "expectedVersion on a match row", csv: "match.destination,name,expectedVersion\nStripe,x,4\n",
            messages: [
                "changes.csv:2: error: 'expectedVersion' needs an 'id' row (a match row may target many configs)"
            ]),
        Case(
            name: "non-integer wave", csv: "id,name,wave\n\(id),x,first\n",
            messages: ["changes.csv:2:3: error: 'wave' must be a whole number, got 'first'"]),
        Case(
            name: "malformed JSON in configData", csv: "id,configData\n\(id),\"{\"\"a\"\": }\"\n",
            messages: [
                "changes.csv:2:2: error: malformed JSON in 'configData': unexpected character '}' (at character 7)"
            ]),
        Case(
            name: "configData that is not an object", csv: "id,configData\n\(id),[1]\n",
            messages: ["changes.csv:2:2: error: 'configData' must be a JSON object (a merge patch), got an array"]),
        Case(
            name: "one row setting a configData key twice",
            csv: "id,configData,configData.url\n\(id),\"{\"\"url\"\":\"\"a\"\"}\",b\n",
            messages: [
                "changes.csv:2:3: error: 'configData.url' is set twice in this row ('configData' and 'configData.url')"
            ]),
        Case(
            name: "wrong number of fields", csv: "id,name\n\(id),a,b\n",
            messages: ["changes.csv:2: error: row has 3 fields but the header has 2"]),
        Case(
            name: "malformed CSV", csv: "id,name\n\(id),a\"b\n",
            messages: [
                "changes.csv:2:2: error: '\"' inside an unquoted field (quote the whole field and double the '\"')"
            ]),
        Case(
            name: "empty file", csv: "",
            messages: ["changes.csv:1: error: the file is empty: a CSV change list needs a header row"]),
        Case(
            name: "two id rows setting one field differently",
            csv: "id,name\n\(id),a\n\(TestInputs.id2),b\n\(id),c\n",
            messages: [
                "changes.csv:4: error: rows at lines 2 and 4 set 'name' of config \(id) to different values"
            ]),
        Case(
            name: "a row that changes nothing is a warning", csv: "id,name\n\(id),\n",
            messages: ["changes.csv:2: warning: row changes nothing (no field, configData or enabled)"]),
    ]

    @Test("reports", arguments: cases)
    func reports(_ testCase: Case) {
        let list = TestInputs.csv(testCase.csv)
        #expect(Validator.validate(list).map(\.description) == testCase.messages)
    }

    @Test("reports every error of a file at once, in input order")
    func allAtOnce() {
        let list = TestInputs.csv(
            "id,name,enabled,wave\n1,x,,\n\(Self.id),y,false,\n\(Self.id),z,,w\n")
        #expect(
            Validator.validate(list).map(\.description) == [
                "changes.csv:2:1: error: 'id' is not a UUID: '1'",
                "changes.csv:3:3: error: 'enabled' cannot be false: m3ter has no endpoint to disable an integration config (leave the cell empty to keep the current state)",
                "changes.csv:4:4: error: 'wave' must be a whole number, got 'w'",
            ])
    }

    @Test("accepts a valid change list without diagnostics")
    func valid() {
        let list = TestInputs.csv(
            "id,name,configData.url,enabled,expectedVersion,wave\n\(Self.id),x,https://y,true,4,2\n"
                + "\(TestInputs.id2),\\N,,,,\n")
        #expect(Validator.validate(list).isEmpty)
        #expect(list.rows.count == 2)
    }

    @Test("never puts a configData value in a message")
    func noValuesInMessages() {
        let list = TestInputs.csv("id,configData\n\(Self.id),\"{\"\"apiKey\"\": \"\"hunter2\"\"\"\n")
        let text = Validator.validate(list).map(\.description).joined()
        #expect(!text.contains("hunter2"))
        #expect(text.contains("malformed JSON in 'configData'"))
    }

    @Test("rows naming one id in any case are checked together, configs in the order of their first row")
    func repeatedIDs() {
        let upper = TestInputs.id2.uppercased()
        let list = TestInputs.csv(
            "id,name,wave\n\(TestInputs.id3),a,\n\(TestInputs.id2),b,\n\(Self.id),c,1\n\(upper),d,\n"
                + "\(TestInputs.id3),e,\n\(Self.id),c,2\n\(TestInputs.id2),b,\n")
        #expect(
            Validator.validate(list).map(\.description) == [
                "changes.csv:6: error: rows at lines 2 and 6 set 'name' of config \(TestInputs.id3) to different values",
                "changes.csv:5: error: rows at lines 3 and 5 set 'name' of config \(TestInputs.id2) to different values",
                "changes.csv:7: error: rows at lines 4 and 7 set 'wave' of config \(Self.id) to different values",
            ])
    }

    @Test("the smallest 64-bit wave is an error, not a crash")
    func smallestWave() {
        let list = TestInputs.csv("id,name,wave\n\(Self.id),x,-9223372036854775808\n")
        #expect(
            Validator.validate(list).map(\.description) == [
                "changes.csv:2:3: error: 'wave' must be a whole number, got '-9223372036854775808'"
            ])
        let json = ChangeListReader.read(
            data: Data("{\"id\": \"\(Self.id)\", \"name\": \"x\", \"wave\": -9223372036854775808}\n".utf8),
            file: "changes.jsonl", format: .jsonLines)
        #expect(json.rows.isEmpty)
        #expect(json.diagnostics.count == 1)
    }
}
