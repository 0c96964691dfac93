import string
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from strangler_proxy.routing.match import Match, RouteRule
from strangler_proxy.routing.normalise import BadPath, normalise_path
from strangler_proxy.table import Route


@pytest.mark.parametrize("raw, expected", [
    (b"/", "/"),
    (b"/v1/orders", "/v1/orders"),
    (b"/v1/orders/", "/v1/orders/"),
    (b"/static/app.min.css", "/static/app.min.css"),
    (b"/.well-known/security.txt", "/.well-known/security.txt"),
    (b"/a/.../b", "/a/.../b"),
    (b"/a/./b", "/a/b"),
    (b"/a/b/.", "/a/b/"),
    (b"/a/b/..", "/a/"),
    (b"/a/b/../c", "/a/c"),
    (b"/a/..", "/"),
    (b"/a/%2e%2e/b", "/b"),
    (b"/a/%2E%2E/b", "/b"),
    (b"/a/%2e/b", "/a/b"),
    (b"/a/.%2e/b", "/b"),
    (b"//a//b", "/a/b"),
    (b"/a///b//", "/a/b/"),
    (b"/a//../b", "/b"),
    (b"/caf%C3%A9", "/caf%C3%A9"),
    (b"/caf%c3%a9", "/caf%c3%a9"),
    (b"/search/a%20b", "/search/a%20b"),
    (b"/a%3Fb", "/a%3Fb"),
    (b"/a%3bb", "/a%3bb"),
    (b"/a%25b", "/a%25b"),
    (b"/a%252e%252e/b", "/a%252e%252e/b"),
    (b"/%61dmin/", "/admin/"),
    (b"/v1/%6Frders", "/v1/orders"),
    (b"/a%7Eb%2D%5F", "/a~b-_"),
    (b"/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,="),
])
def test_a_path_normalises_to_its_canonical_form(raw, expected):
    assert normalise_path(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    (b"", "the path must start with '/'"),
    (b"a/b", "the path must start with '/'"),
    (b"*", "the path must start with '/'"),
    (b"%2Fa", "the path must start with '/'"),
    (b"/a%2fb", "encoded slash or backslash (%2F, %5C) in the path"),
    (b"/a%2Fb", "encoded slash or backslash (%2F, %5C) in the path"),
    (b"/a%5cb", "encoded slash or backslash (%2F, %5C) in the path"),
    (b"/a%5Cb", "encoded slash or backslash (%2F, %5C) in the path"),
    (b"/a\\b", "backslash in the path"),
    (b"/a;b", "';' (a path parameter) in the path"),
    (b"/a;jsessionid=1/b", "';' (a path parameter) in the path"),
    (b"/a\x00b", "control character or space in the path"),
    (b"/a\tb", "control character or space in the path"),
    (b"/a\x7fb", "control character or space in the path"),
    (b"/a b", "control character or space in the path"),
    (b"/a%00b", "encoded control character in the path"),
    (b"/a%0d%0ab", "encoded control character in the path"),
    (b"/caf\xc3\xa9", "raw non-ASCII byte in the path; percent-encode it"),
    (b"/..", "'..' climbs above the root"),
    (b"/../x", "'..' climbs above the root"),
    (b"/a/../../x", "'..' climbs above the root"),
    (b"/%2e%2e/x", "'..' climbs above the root"),
    (b"/%zz", "'%' not followed by two hex digits"),
    (b"/a%", "'%' not followed by two hex digits"),
    (b"/a%2", "'%' not followed by two hex digits"),
    (b"/a%+1", "'%' not followed by two hex digits"),
    (b"/a% 1", "control character or space in the path"),
])
def test_an_ambiguous_or_malformed_path_is_refused_with_its_reason(raw, reason):
    with pytest.raises(BadPath) as raised:
        normalise_path(raw)

    assert raised.value.reason == reason


# ---------------------------------------------------------------- properties

# Few distinct characters, so generated paths often share prefixes with generated routes.
ATOMS = st.sampled_from(["a", "b", "~", ".", "%61", "%62", "%41", "%7e", "%7E", "%2e", "%2E", "%25", "%3B",
                         "%C3%A9", "%20", ":", "@"])
SEGMENTS = st.one_of(st.sampled_from(["", ".", "..", "%2e", "%2e%2e", ".%2E"]),
                     st.lists(ATOMS, max_size=4).map("".join))
RAW_PATHS = st.lists(SEGMENTS, min_size=1, max_size=6).map(lambda segments: ("/" + "/".join(segments)).encode())
PREFIXES = st.builds(lambda segments, slash: "/" + "/".join(segments) + slash,
                     st.lists(st.text("ab~", min_size=1, max_size=3), max_size=3), st.sampled_from(["", "/"]))


def upstream_view(path: str) -> bytes:
    """The path as Django behind gunicorn sees it: every escape decoded once."""
    return unquote_to_bytes(path)


def under(prefix: bytes, path: bytes) -> bool:
    """Whether `path` is `prefix` or under it, on segment boundaries."""
    subtree = prefix if prefix.endswith(b"/") else prefix + b"/"
    return path == prefix or path.startswith(subtree)


@given(st.binary(max_size=40) | RAW_PATHS)
def test_normalising_either_refuses_or_gives_a_path_that_normalises_to_itself(raw):
    try:
        path = normalise_path(raw)
    except BadPath:
        return
    assert normalise_path(path.encode()) == path


@given(RAW_PATHS)
@example(b"/%2e%2e%2f")
def test_the_upstream_decoding_a_normalised_path_finds_no_dot_or_empty_segment(raw):
    try:
        path = normalise_path(raw)
    except BadPath:
        return
    segments = upstream_view(path).split(b"/")[1:]
    assert b"." not in segments and b".." not in segments and b"" not in segments[:-1]


@given(RAW_PATHS, PREFIXES)
@example(b"/%61dmin/x", "/admin")
def test_the_proxy_and_the_upstream_agree_on_which_prefix_a_path_falls_under(raw, prefix):
    try:
        path = normalise_path(raw)
    except BadPath:
        return
    rule = RouteRule.compile(Route(id="r", prefix=prefix, upstream="u"))

    proxy_says = rule.matches("GET", path, []) is Match.FULL

    assert proxy_says == under(prefix.encode(), upstream_view(path))


@given(st.text(string.ascii_letters + string.digits + "-_~/", max_size=30).map(lambda text: "/" + text))
def test_a_path_with_nothing_to_normalise_comes_back_unchanged_but_for_empty_segments(path):
    collapsed = "/" + "/".join(segment for segment in path.split("/") if segment)
    expected = collapsed + "/" if path.endswith("/") and collapsed != "/" else collapsed

    assert normalise_path(path.encode()) == expected
