/// The two pages the server has without `--root`, built into the binary so it runs from any
/// directory (the book's `hello.html` and `404.html`, saying "Swift" instead of "Rust").
enum Pages {
    static let hello = """
        <!DOCTYPE html>
        <html lang="en">
          <head>
            <meta charset="utf-8">
            <title>Hello!</title>
          </head>
          <body>
            <h1>Hello!</h1>
            <p>Hi from Swift</p>
          </body>
        </html>

        """

    static let notFound = """
        <!DOCTYPE html>
        <html lang="en">
          <head>
            <meta charset="utf-8">
            <title>Hello!</title>
          </head>
          <body>
            <h1>Oops!</h1>
            <p>Sorry, I don't know what you're asking for.</p>
          </body>
        </html>

        """
}
