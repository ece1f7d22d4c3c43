/// The two pages the server has without `--root`, built into the binary so it runs from any
/// directory (the book's `hello.html` and `404.html`, saying "Swift" instead of "Rust").
enum Pages {
    static let hello = page(heading: "Hello!", text: "Hi from Swift")
    static let notFound = page(heading: "Oops!", text: "Sorry, I don't know what you're asking for.")

    /// The book's page layout; both pages keep its title "Hello!".
    private static func page(heading: String, text: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
          <head>
            <meta charset="utf-8">
            <title>Hello!</title>
          </head>
          <body>
            <h1>\(heading)</h1>
            <p>\(text)</p>
          </body>
        </html>

        """
    }
}
