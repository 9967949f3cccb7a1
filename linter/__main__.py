"""Allow ``python -m mountlint``."""

from mountlint.cli import main

if __name__ == "__main__":
    main()
