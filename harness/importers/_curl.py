"""Reading a curl command as documentation prints it: its shell words, then its method, URL,
headers and data. Nothing is expanded or run."""

from __future__ import annotations

__all__ = ["curl_args", "shell_words"]


def curl_args(words: list[str]) -> tuple[str | None, str | None, dict[str, str], str | None]:
    method = url = None
    headers: dict[str, str] = {}
    data: list[str] = []
    valued = {"-o", "--output", "-A", "--user-agent", "-e", "--referer", "-m", "--max-time", "-u", "--user", "-b", "--cookie"}
    index = 1 if words and words[0] == "curl" else 0
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else ""
        if word in ("-X", "--request"):
            method, index = value, index + 2
        elif word in ("-H", "--header"):
            name, _, header_value = value.partition(":")
            headers[name.strip().lower()] = header_value.strip()
            index += 2
        elif word in ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"):
            data.append(value)
            if word == "--json":
                headers.setdefault("content-type", "application/json")
                headers.setdefault("accept", "application/json")
            index += 2
        elif word.startswith("-X") and len(word) > 2:
            method, index = word[2:], index + 1
        elif word in valued:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            url = url or word
            index += 1
    return method, url, headers, ("&".join(data) if data else None)


def shell_words(text: str) -> list[str]:
    """Split one POSIX shell command into words, without expanding anything.

    Quotes are removed, `\\`-newline outside quotes joins lines, single quotes keep everything
    (a `\\`-newline inside them stays); the command ends at an unescaped newline, `|`, `;` or `&`.
    """
    words: list[str] = []
    current: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            following = text[i + 1] if i + 1 < n else ""
            if following == "\n":
                i += 2
                continue
            current.append(following)
            in_word = True
            i += 2
            continue
        if char == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise ValueError("unterminated single quote")
            current.append(text[i + 1 : close])
            in_word = True
            i = close + 1
            continue
        if char == '"':
            i += 1
            in_word = True
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    if text[i + 1] != "\n":
                        current.append(text[i + 1])
                    i += 2
                    continue
                current.append(text[i])
                i += 1
            if i >= n:
                raise ValueError("unterminated double quote")
            i += 1
            continue
        if char in " \t\r":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
            continue
        if char in "\n|;&":
            break
        current.append(char)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(current))
    return words
