#!/usr/bin/python3
"""Generates PlasmaSharp's raw C# bindings from the C ABI header with libclang.

usage: bindgen.py HEADER OUTPUT     e.g. bindgen.py native/include/plasmasharp.h bindings/NativeMethods.g.cs

libclang parses the header as a C compiler would, so the C# side gets exactly what the header
declares: every `#define NAME <integer>` (sizes, ps_code values) as a constant, every opaque
handle type, every struct with the field offsets and size clang computed, and every function as
a blittable [LibraryImport] declaration. The header's comments come along as doc comments, so
the generated file reads like the header in review. Anything the mapping below does not know
(a float, a function pointer, an enum) stops the generator with an error naming it, instead of
being guessed. Runs on Debian's python3 with python3-clang-14 (see build.sh's APT_PACKAGES).
"""
import re
import sys

import clang.cindex as ci

NAMESPACE = "PlasmaSharp.Interop"
CONSTANTS_CLASS = "NativeConstants"
METHODS_CLASS = "NativeMethods"
LIBRARY_NAME = "plasmasharp_native"  # resolved to libplasmasharp_native.so by NativeLibraryResolver

# Identifiers that C allows and C# reserves: emitted with an @ prefix.
CSHARP_KEYWORDS = set("""abstract as base bool break byte case catch char checked class const continue
decimal default delegate do double else enum event explicit extern false finally fixed float for
foreach goto if implicit in int interface internal is lock long namespace new null object operator
out override params private protected public readonly ref return sbyte sealed short sizeof
stackalloc static string struct switch this throw true try typeof uint ulong unchecked unsafe ushort
using virtual void volatile while""".split())

SIGNED = {1: "sbyte", 2: "short", 4: "int", 8: "long"}
UNSIGNED = {1: "byte", 2: "ushort", 4: "uint", 8: "ulong"}
K = ci.TypeKind
SIGNED_KINDS = {K.SCHAR, K.SHORT, K.INT, K.LONG, K.LONGLONG}
UNSIGNED_KINDS = {K.UCHAR, K.CHAR_U, K.USHORT, K.UINT, K.ULONG, K.ULONGLONG, K.BOOL}
SECTION = re.compile(r"/\*\s*-{2,}\s*(.*?)\s*-{2,}\s*\*/")


class Unsupported(Exception):
    pass


def identifier(name):
    return "@" + name if name in CSHARP_KEYWORDS else name


def cs_type(t, where):
    """The blittable C# spelling of C type t: typedefs and const resolved, C strings as byte*."""
    t = t.get_canonical()
    if t.kind == K.POINTER:
        return cs_type(t.get_pointee(), where) + "*"
    if t.kind == K.VOID:
        return "void"
    if t.kind == K.RECORD:
        return t.get_declaration().spelling
    if t.kind == K.CHAR_S:
        return "byte"  # char: the library's strings are UTF-8 bytes
    if t.kind in SIGNED_KINDS and t.get_size() in SIGNED:
        return SIGNED[t.get_size()]
    if t.kind in UNSIGNED_KINDS and t.get_size() in UNSIGNED:
        return UNSIGNED[t.get_size()]
    raise Unsupported(f"{where}: no blittable C# type for '{t.spelling}' ({t.kind}); extend tools/bindgen/bindgen.py")


class Comments:
    """The header's comments by line: the block just above a declaration and the one after it
    on its last line. Section markers (/* ---- client ---- */) are kept apart."""

    def __init__(self, tu, path):
        self.ending = {}    # last line -> text of a comment that starts a line
        self.trailing = {}  # line -> text of a comment after code on that line
        self.sections = []  # (line, title)
        code_lines = set()
        for token in tu.get_tokens(extent=tu.cursor.extent):
            if token.location.file is None or token.location.file.name != path:
                continue
            start, end = token.extent.start, token.extent.end
            if token.kind != ci.TokenKind.COMMENT:
                code_lines.add(start.line)
                continue
            section = SECTION.fullmatch(token.spelling)
            if section:
                self.sections.append((start.line, section.group(1)))
            elif start.line in code_lines:
                self.trailing[start.line] = clean(token.spelling)
            else:
                self.ending[end.line] = clean(token.spelling)

    def for_declaration(self, cursor):
        above = self.ending.get(cursor.extent.start.line - 1)
        after = self.trailing.get(cursor.extent.end.line)
        return "\n".join(text for text in (above, after) if text)


def clean(comment):
    body = comment[2:-2] if comment.startswith("/*") else comment[2:]
    first, *rest = body.splitlines()
    # Continuation lines start with " * "; the first line's text may itself start with a * (*out).
    lines = [first.strip()] + [re.sub(r"^\s*\*(\s|$)", "", line).strip() for line in rest]
    return "\n".join(line for line in lines if line)


def xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summary(text, indent, prefix=""):
    text = prefix + text
    if not text:
        return []
    lines = xml_text(text).splitlines()
    if len(lines) == 1:
        return [f"{indent}/// <summary>{lines[0]}</summary>"]
    return [f"{indent}/// <summary>{lines[0]}"] + [f"{indent}/// {line}" for line in lines[1:-1]] + \
           [f"{indent}/// {lines[-1]}</summary>"]


def integer_macro(cursor):
    """(name, value) for `#define NAME <integer literal>`, else None."""
    tokens = [t.spelling for t in cursor.get_tokens()]
    if len(tokens) != 2 or not re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)[uUlL]*", tokens[1]):
        return None
    return tokens[0], int(tokens[1].rstrip("uUlL"), 0)


def array_length(field, count, constants):
    """The array length as written in the header when it names a constant, else the number."""
    tokens = [t.spelling for t in field.get_tokens()]
    if "[" in tokens:
        inside = tokens[tokens.index("[") + 1:tokens.index("]")]
        if len(inside) == 1 and inside[0] in constants:
            return f"{CONSTANTS_CLASS}.{inside[0]}"
    return str(count)


def emit_struct(cursor, comments, constants):
    name = cursor.spelling
    fields = []
    needs_unsafe = False
    for field in cursor.type.get_fields():
        where = f"{name}.{field.spelling}"
        offset = field.get_field_offsetof() // 8
        ftype = field.type.get_canonical()
        doc = summary(comments.for_declaration(field), "    ")
        if ftype.kind == K.CONSTANTARRAY:
            element = cs_type(ftype.get_array_element_type(), where)
            if element.endswith("*") or element not in SIGNED.values() and element not in UNSIGNED.values():
                raise Unsupported(f"{where}: only arrays of integers become C# fixed buffers")
            length = array_length(field, ftype.get_array_size(), constants)
            declaration = f"public fixed {element} {identifier(field.spelling)}[{length}];"
            needs_unsafe = True
        else:
            element = cs_type(field.type, where)
            needs_unsafe |= element.endswith("*")
            declaration = f"public {element} {identifier(field.spelling)};"
        fields += doc + [f"    [FieldOffset({offset})] {declaration}"]
    out = summary(comments.for_declaration(cursor), "")
    out.append(f"[StructLayout(LayoutKind.Explicit, Size = {cursor.type.get_size()})]")
    out.append(f"internal {'unsafe ' if needs_unsafe else ''}struct {name}")
    out += ["{"] + fields + ["}"]
    return out


def emit_function(cursor, comments):
    name = cursor.spelling
    ret = cs_type(cursor.result_type, f"{name} (return)")
    params = [f"{cs_type(p.type, f'{name}({p.spelling})')} {identifier(p.spelling)}"
              for p in cursor.get_arguments()]
    head = f"    internal static partial {ret} {name}("
    line = head + ", ".join(params) + ");"
    if len(line) > 120:  # one parameter per line, aligned, for long signatures
        pad = " " * len(head)
        line = head + (",\n" + pad).join(params) + ");"
    return summary(comments.for_declaration(cursor), "    ") + ["    [LibraryImport(LibraryName)]", line]


def generate(header):
    index = ci.Index.create()
    tu = index.parse(header, args=["-x", "c", "-std=c11"],
                     options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    errors = [str(d) for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        raise Unsupported("the header does not compile:\n" + "\n".join(errors))
    path = tu.spelling
    comments = Comments(tu, path)
    mine = [c for c in tu.cursor.get_children() if c.location.file and c.location.file.name == path]

    constants = {}
    constant_lines = []
    for cursor in mine:
        if cursor.kind == ci.CursorKind.MACRO_DEFINITION and (macro := integer_macro(cursor)):
            name, value = macro
            constants[name] = value
            kind = "int" if -2**31 <= value < 2**31 else "long"
            constant_lines += summary(comments.for_declaration(cursor), "    ")
            constant_lines.append(f"    public const {kind} {name} = {value};")

    opaque, structs, functions = [], [], []
    seen = set()
    for cursor in mine:
        if cursor.kind == ci.CursorKind.STRUCT_DECL and cursor.spelling not in seen:
            seen.add(cursor.spelling)
            if cursor.is_definition():
                structs += [""] + emit_struct(cursor, comments, constants)
            elif cursor.get_definition() is None:
                opaque += [""] + summary(comments.for_declaration(cursor), "", f"Opaque {cursor.spelling}: ")
                opaque.append(f"internal struct {cursor.spelling} {{ }}")
        elif cursor.kind == ci.CursorKind.FUNCTION_DECL:
            functions.append(cursor)

    methods = [f'    /// <summary>Name resolved by <see cref="NativeLibraryResolver"/>.</summary>',
               f'    internal const string LibraryName = "{LIBRARY_NAME}";']
    sections = list(comments.sections)
    for cursor in functions:
        line = cursor.extent.start.line
        while sections and sections[0][0] < line:
            methods += ["", f"    // ---- {sections.pop(0)[1]} ----"]
        methods += [""] + emit_function(cursor, comments)

    out = [
        "// <auto-generated>",
        f"// Generated by tools/bindgen/bindgen.py from {header} with libclang: the raw layer, C names",
        "// kept, blittable types only. Do not edit: change the header and run `./build.sh Generate`.",
        "// The test command regenerates it and fails when this checked-in copy differs.",
        "// </auto-generated>",
        "using System.Runtime.InteropServices;",
        "",
        f"namespace {NAMESPACE};",
        "",
        "/// <summary>The header's integer #define constants (sizes and ps_code values).</summary>",
        f"internal static class {CONSTANTS_CLASS}",
        "{",
        *constant_lines,
        "}",
        *opaque,
        *structs,
        "",
        "/// <summary>Every function of the header, as declared there.</summary>",
        f"internal static unsafe partial class {METHODS_CLASS}",
        "{",
        *methods,
        "}",
    ]
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    try:
        text = generate(argv[1])
    except Unsupported as e:
        print(f"bindgen: {e}", file=sys.stderr)
        return 1
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
