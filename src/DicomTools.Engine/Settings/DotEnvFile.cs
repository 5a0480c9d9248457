using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace DicomTools.Engine.Settings
{
    /// <summary>
    /// Reads a .env file as python-dotenv does, so the original script's .env keeps working:
    /// <c>KEY=value</c>, <c>export KEY=value</c>, <c>KEY="value"</c> (escapes, may span lines),
    /// <c>KEY='value'</c> (literal), <c># comments</c>, blank lines, <c> # comment</c> after an unquoted value,
    /// and <c>${VAR}</c> / <c>${VAR:-default}</c> expansion in unquoted and double-quoted values (the
    /// environment first, then the keys above it, as load_dotenv does without override). A line it cannot
    /// parse is skipped and reported, never fatal (python-dotenv warns and goes on).
    /// </summary>
    public sealed class DotEnvFile
    {
        private DotEnvFile(string? path, IReadOnlyDictionary<string, string> values, IReadOnlyList<string> warnings)
        { Path = path; Values = values; Warnings = warnings; }

        public string? Path { get; }

        /// <summary>Keys in the file with a value (a bare <c>KEY</c> line has none and, as in python-dotenv, sets nothing).</summary>
        public IReadOnlyDictionary<string, string> Values { get; }

        /// <summary>"line N: ..." for each statement that could not be parsed.</summary>
        public IReadOnlyList<string> Warnings { get; }

        public static DotEnvFile Empty { get; } = new DotEnvFile(null, new Dictionary<string, string>(), Array.Empty<string>());

        public static DotEnvFile Load(string path, Func<string, string?>? environment = null)
        {
            // utf-8-sig: python-dotenv reads UTF-8 and editors on Windows like to add a BOM.
            var text = File.ReadAllText(path, new UTF8Encoding(false));
            return Parse(text, environment, System.IO.Path.GetFullPath(path));
        }

        public static DotEnvFile Parse(string text, Func<string, string?>? environment = null, string? path = null)
        {
            environment ??= Environment.GetEnvironmentVariable;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var warnings = new List<string>();
            var parser = new Parser(text.Length > 0 && text[0] == '\uFEFF' ? text.Substring(1) : text);
            while (!parser.AtEnd)
            {
                var line = parser.Line;
                try
                {
                    var binding = parser.NextBinding();
                    if (binding == null || binding.Value.Value == null) continue;
                    var (key, raw, expand) = (binding.Value.Key, binding.Value.Value, binding.Value.Expand);
                    values[key] = expand ? Expand(raw, name => Lookup(name, environment, values)) : raw;
                }
                catch (FormatException ex)
                {
                    warnings.Add($"line {line}: {ex.Message}");
                    parser.SkipLine();
                }
            }
            return new DotEnvFile(path, values, warnings);
        }

        private static string? Lookup(string name, Func<string, string?> environment, Dictionary<string, string> values)
        {
            var fromEnvironment = environment(name);
            if (fromEnvironment != null) return fromEnvironment;
            return values.TryGetValue(name, out var v) ? v : null;
        }

        private static string Expand(string value, Func<string, string?> lookup)
        {
            if (value.IndexOf("${", StringComparison.Ordinal) < 0) return value;
            var sb = new StringBuilder();
            var i = 0;
            while (i < value.Length)
            {
                var start = value.IndexOf("${", i, StringComparison.Ordinal);
                var end = start < 0 ? -1 : value.IndexOf('}', start + 2);
                if (start < 0 || end < 0) { sb.Append(value, i, value.Length - i); break; }
                sb.Append(value, i, start - i);
                var inner = value.Substring(start + 2, end - start - 2);
                var dflt = inner.IndexOf(":-", StringComparison.Ordinal);
                var name = dflt < 0 ? inner : inner.Substring(0, dflt);
                var found = lookup(name);
                sb.Append(found ?? (dflt < 0 ? string.Empty : inner.Substring(dflt + 2)));
                i = end + 1;
            }
            return sb.ToString();
        }

        private struct Binding
        {
            public string Key; public string? Value; public bool Expand;
        }

        /// <summary>A small hand-written scanner; python-dotenv's grammar is regular except for quoted values spanning lines.</summary>
        private sealed class Parser
        {
            private readonly string _s;
            private int _i;

            public Parser(string s) { _s = s; Line = 1; }

            public int Line { get; private set; }
            public bool AtEnd => _i >= _s.Length;

            public void SkipLine()
            {
                while (!AtEnd && _s[_i] != '\n') _i++;
                if (!AtEnd) { _i++; Line++; }
            }

            public Binding? NextBinding()
            {
                SkipInlineSpace();
                if (AtEnd) return null;
                if (_s[_i] == '\n' || _s[_i] == '\r' || _s[_i] == '#') { SkipLine(); return null; }

                if (StartsWith("export") && _i + 6 < _s.Length && (_s[_i + 6] == ' ' || _s[_i + 6] == '\t'))
                {
                    _i += 6;
                    SkipInlineSpace();
                }

                var key = ReadKey();
                SkipInlineSpace();
                if (AtEnd || _s[_i] == '\n' || _s[_i] == '\r' || _s[_i] == '#')
                {
                    // "KEY" alone: a key with no value; python-dotenv does not set it.
                    if (!AtEnd && _s[_i] == '#') SkipLine(); else EndOfLine();
                    return new Binding { Key = key, Value = null };
                }
                if (_s[_i] != '=') throw new FormatException($"expected '=' after '{key}'");
                _i++;
                SkipInlineSpace();

                string value;
                bool expand;
                if (!AtEnd && _s[_i] == '\'') { value = ReadSingleQuoted(); expand = false; EndAfterQuoted(); }
                else if (!AtEnd && _s[_i] == '"') { value = ReadDoubleQuoted(); expand = true; EndAfterQuoted(); }
                else { value = ReadUnquoted(); expand = true; }
                return new Binding { Key = key, Value = value, Expand = expand };
            }

            private string ReadKey()
            {
                if (!AtEnd && _s[_i] == '\'')
                {
                    var quoted = ReadSingleQuoted();
                    if (quoted.Length == 0) throw new FormatException("empty key");
                    return quoted;
                }
                var start = _i;
                while (!AtEnd && !char.IsWhiteSpace(_s[_i]) && _s[_i] != '=' && _s[_i] != '#') _i++;
                if (_i == start) throw new FormatException("expected a key");
                return _s.Substring(start, _i - start);
            }

            private string ReadUnquoted()
            {
                var start = _i;
                while (!AtEnd && _s[_i] != '\n' && _s[_i] != '\r')
                {
                    // A comment starts at '#' preceded by whitespace ("a#b" keeps its '#').
                    if (_s[_i] == '#' && _i > start && (_s[_i - 1] == ' ' || _s[_i - 1] == '\t')) break;
                    _i++;
                }
                var value = _s.Substring(start, _i - start).TrimEnd(' ', '\t');
                SkipLine();
                return value;
            }

            private string ReadSingleQuoted()
            {
                _i++; // opening quote
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw new FormatException("unterminated single-quoted value");
                    var c = _s[_i];
                    if (c == '\'') { _i++; return sb.ToString(); }
                    if (c == '\\' && _i + 1 < _s.Length && (_s[_i + 1] == '\\' || _s[_i + 1] == '\''))
                    {
                        sb.Append(_s[_i + 1]); _i += 2; continue;
                    }
                    if (c == '\n') Line++;
                    sb.Append(c); _i++;
                }
            }

            private string ReadDoubleQuoted()
            {
                _i++;
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw new FormatException("unterminated double-quoted value");
                    var c = _s[_i];
                    if (c == '"') { _i++; return sb.ToString(); }
                    if (c == '\\' && _i + 1 < _s.Length)
                    {
                        var e = _s[_i + 1];
                        string? decoded = e switch
                        {
                            '\\' => "\\", '\'' => "'", '"' => "\"", 'a' => "\a", 'b' => "\b", 'f' => "\f",
                            'n' => "\n", 'r' => "\r", 't' => "\t", 'v' => "\v", _ => null,
                        };
                        if (decoded != null) { sb.Append(decoded); _i += 2; continue; }
                    }
                    if (c == '\n') Line++;
                    sb.Append(c); _i++;
                }
            }

            // After a quoted value: only spaces and an optional comment may follow on the line.
            private void EndAfterQuoted()
            {
                SkipInlineSpace();
                if (!AtEnd && _s[_i] == '#') { SkipLine(); return; }
                EndOfLine();
            }

            private void EndOfLine()
            {
                if (AtEnd) return;
                if (_s[_i] == '\r') _i++;
                if (!AtEnd && _s[_i] != '\n') throw new FormatException($"unexpected '{_s[_i]}' after the value");
                if (!AtEnd) { _i++; Line++; }
            }

            private void SkipInlineSpace()
            {
                while (!AtEnd && (_s[_i] == ' ' || _s[_i] == '\t')) _i++;
            }

            private bool StartsWith(string word) => string.CompareOrdinal(_s, _i, word, 0, word.Length) == 0;
        }
    }
}
