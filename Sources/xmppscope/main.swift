import XMPPCore
import Foundation
let framer = XMLFramer()
let input = try! Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))
let chunk = Int(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "100000")!
var i = 0
let bytes = [UInt8](input)
while i < bytes.count {
    let end = min(i + chunk, bytes.count)
    framer.feed(bytes[i..<end]) { e in if case .error(let x) = e { print("ERR", x.kind, x.position, x.skippedCount, String(decoding: x.skipped, as: UTF8.self).debugDescription) } else { print(e) } }
    i = end
}
framer.finish { print($0) }
