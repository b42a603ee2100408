/// Why a line is not JSON.
struct JSONSyntaxError: Error {
    var message: String
    var offset: Int
}
