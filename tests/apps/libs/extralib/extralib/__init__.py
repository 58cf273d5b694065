"""extralib: what greeter's test extra brings."""
WHAT = "extralib here"
