"""The hello command: greets, and says where it runs from."""
import sys


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "world"
    print(f"Hello, {name}! (Python {sys.version_info[0]}.{sys.version_info[1]} in {sys.prefix})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
