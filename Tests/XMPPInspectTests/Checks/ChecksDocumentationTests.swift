import Foundation
import Testing
@testable import XMPPInspect

/// docs/checks.md explains every check, with the id, severity and spec the code gives it.
@Suite struct ChecksDocumentationTests {
    @Test func everyCheckHasItsSectionAndItsRowInTheTable() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/checks.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sections = lines.filter { $0.hasPrefix("### ") }.map { String($0.dropFirst(4)).trimmingCharacters(in: .whitespaces) }
        let descriptors = CheckCatalog.descriptors
        #expect(descriptors.count >= 30)
        #expect(sections.sorted() == descriptors.map(\.id).sorted())
        for descriptor in descriptors {
            let row = "| [`\(descriptor.id)`](#\(descriptor.id)) | \(descriptor.severity.rawValue) | \(descriptor.spec) | \(descriptor.rule) |"
            #expect(lines.contains(row), "docs/checks.md lacks the table row: \(row)")
        }
    }
}
