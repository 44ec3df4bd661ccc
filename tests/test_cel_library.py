"""The standard CEL functions and the Kubernetes CEL library on plain values
(lint/crd/cel/library.py): strings, lists, RE2 regexes, IP/CIDR, URL, quantity, named formats."""

from __future__ import annotations

import pytest

from infergw_lint.crd.cel.compile import compile_expr
from infergw_lint.crd.cel.lexer import Unsupported
from infergw_lint.crd.cel.values import CelError


def ev(text, self=None):
    return compile_expr(text).evaluate({"self": self})


@pytest.mark.parametrize("text", [
    # standard string functions
    "'abc'.contains('b') && 'abc'.startsWith('ab') && 'abc'.endsWith('bc') && !'abc'.contains('x')",
    "'abc'.matches('^a.c$') && matches('abc', 'b') && !'abc'.matches('^b')",
    # RE2, not Python's re: `$` is the end of the text, not before a final newline
    "!'abc\\n'.matches('^abc$')",
    "'A'.matches('(?i)^a$') && 'x.y'.matches('^[a-z]+\\\\.[a-z]+$')",
    # strings extension
    "'a/b/c'.split('/') == ['a', 'b', 'c'] && 'a/b/c'.split('/', 2) == ['a', 'b/c'] && 'ab'.split('') == ['a', 'b']",
    "'a/b'.split('/', 0) == [] && 'a/b/c'.split('/', -1) == ['a', 'b', 'c']",
    "'hello'.substring(1) == 'ello' && 'hello'.substring(1, 3) == 'el' && 'hello'.substring(5) == ''",
    "'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == ''",
    "'hello'.indexOf('l') == 2 && 'hello'.indexOf('l', 3) == 3 && 'hello'.indexOf('z') == -1 && 'hello'.indexOf('') == 0",
    "'hello'.lastIndexOf('l') == 3 && 'hello'.lastIndexOf('l', 2) == 2 && 'hello'.lastIndexOf('z') == -1",
    "'HeLLo'.lowerAscii() == 'hello' && 'hello'.upperAscii() == 'HELLO' && 'É'.lowerAscii() == 'É'",
    "'a-b-c'.replace('-', '+') == 'a+b+c' && 'a-b-c'.replace('-', '+', 1) == 'a+b-c' && 'a-b'.replace('-', '+', 0) == 'a-b'",
    "'  x \\t'.trim() == 'x' && ['a', 'b'].join('/') == 'a/b' && ['a', 'b'].join() == 'ab' && [].join(',') == ''",
    # lists
    "[1, 2, 3].isSorted() && !([3, 1]).isSorted() && ['a', 'b'].isSorted() && [].isSorted()",
    "[1, 2, 3].sum() == 6 && [].sum() == 0 && [1.5, 2.5].sum() == 4.0",
    "[1, 5, 3].max() == 5 && [4, 2, 9].min() == 2 && ['b', 'a'].min() == 'a'",
    "['a', 'b'].indexOf('b') == 1 && ['a', 'b', 'a'].lastIndexOf('a') == 2 && [1].indexOf(2) == -1",
    # regex library
    "'abc123def'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''",
    "'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333'] && 'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']",
    # IP and CIDR
    "isIP('10.0.0.1') && isIP('2001:db8::1') && !isIP('10.0.0.256') && !isIP('db.example.com')",
    "!isIP('fe80::1%eth0') && !isIP('::ffff:10.0.0.1') && !isIP('010.0.0.1')",
    "ip('10.0.0.1').family() == 4 && ip('::1').family() == 6 && ip('127.0.0.1').isLoopback()",
    "ip('0.0.0.0').isUnspecified() && ip('8.8.8.8').isGlobalUnicast() && !ip('224.0.0.1').isGlobalUnicast()",
    "ip('169.254.1.1').isLinkLocalUnicast() && ip('224.0.0.5').isLinkLocalMulticast()",
    "ip.isCanonical('10.0.0.1') && !ip.isCanonical('2001:DB8::1')",
    "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.1') && !isCIDR('10.0.0.0/33') && isCIDR('2001:db8::/32')",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))",
    "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')",
    "cidr('10.1.2.3/8').prefixLength() == 8 && cidr('10.1.2.3/8').ip() == ip('10.1.2.3')",
    "string(cidr('10.1.2.3/8').masked()) == '10.0.0.0/8' && string(ip('10.0.0.1')) == '10.0.0.1'",
    # URLs
    "isURL('https://example.com/a') && isURL('/path') && !isURL('example.com')",
    "url('https://user@example.com:8443/a/b?x=1').getScheme() == 'https'",
    "url('https://example.com:8443/a').getHost() == 'example.com:8443' && url('https://example.com:8443/a').getHostname() == 'example.com'",
    "url('https://example.com:8443/a').getPort() == '8443' && url('https://example.com/a%20b').getEscapedPath() == '/a%20b'",
    "url('https://example.com/?x=1&x=2&y=').getQuery() == {'x': ['1', '2'], 'y': ['']}",
    # quantities
    "isQuantity('500m') && isQuantity('1Gi') && isQuantity('1e3') && !isQuantity('1GB') && !isQuantity('')",
    "quantity('1Gi').isGreaterThan(quantity('500Mi')) && quantity('500m').isLessThan(quantity('1'))",
    "quantity('1k').compareTo(quantity('1000')) == 0 && quantity('1.5').isInteger() == false && quantity('2k').asInteger() == 2000",
    "quantity('500m').asApproximateFloat() == 0.5 && quantity('-1').sign() == -1",
    "quantity('1').add(quantity('500m')).isGreaterThan(quantity('1')) && quantity('1').sub(1).sign() == 0",
    # named formats
    "!format.dns1123Label().validate('my-name').hasValue() && format.dns1123Label().validate('My_Name').hasValue()",
    "format.dns1123Label().validate('a' + 'b'.substring(0, 1)).orValue([]).size() == 0",
    "format.dns1123Label().validate('" + "a" * 64 + "').value()[0] == 'must be no more than 63 characters'",
    "!format.dns1123Subdomain().validate('a.example.com').hasValue() && format.dns1035Label().validate('1abc').hasValue()",
    "!format.qualifiedName().validate('example.com/name').hasValue() && format.qualifiedName().validate('/x').hasValue()",
    "!format.labelValue().validate('').hasValue() && !format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
    "!format.dns1123LabelPrefix().validate('my-prefix-').hasValue() && format.named('nope') == optional.none()",
    "format.named('dns1123Label').value().validate('ok') == optional.none()",
    "!format.date().validate('2021-01-01').hasValue() && format.datetime().validate('yesterday').hasValue()",
])
def test_library(text):
    assert ev(text) is True


@pytest.mark.parametrize("text", [
    "'abc'.substring(5)", "'abc'.substring(2, 1)", "'abc'.charAt(-1)", "'abc'.indexOf('a', 9)",
    "'abc'.matches('(')", "'abc'.find('[')", "[].max()", "ip('x')", "cidr('10.0.0.1')", "url('x')", "quantity('1GB')",
    "quantity('1.5').asInteger()", "[1, 'a'].isSorted()", "[1, 'a'].sum()", "'a'.contains(1)", "1.startsWith('a')",
    "format.dns1123Label().validate(1)", "optional.none().value()", "'a'.split(1)", "[1].join()",
])
def test_library_errors(text):
    with pytest.raises(CelError):
        ev(text)


@pytest.mark.parametrize("text,message", [
    ("'a'.quote()", "unsupported method .quote() at line 1, column 4"),
    ("math.greatest(1, 2)", "unsupported function math.greatest()"),
    ("nosuch(1)", "unsupported function nosuch()"),
    ("oldThing.x", "undeclared reference to 'oldThing.x'"),
])
def test_unknown_functions_are_refused_with_their_name(text, message):
    with pytest.raises(Unsupported) as exc:
        compile_expr(text)
    assert message in str(exc.value)


def test_arity_is_checked_at_compile_time():
    from infergw_lint.crd.cel.lexer import CompileError

    with pytest.raises(CompileError) as exc:
        compile_expr("size(1, 2)")
    assert "takes 1 arguments, not 2" in str(exc.value)


def test_patterns_are_compiled_once():
    from infergw_lint.crd.cel import library

    prog = compile_expr("self.matches('^x[0-9]+$')")
    assert prog.run("x12") and not prog.run("y12")
    assert "^x[0-9]+$" in library._PATTERNS
