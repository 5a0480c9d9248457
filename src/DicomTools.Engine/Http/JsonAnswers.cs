using System;
using System.Collections.Specialized;
using System.IO;
using System.Text;
using System.Text.Json;

namespace DicomTools.Engine.Http
{
    /// <summary>JSON in and out for the lab's small APIs: request bodies, and answers turned into plain .NET values.</summary>
    public static class JsonAnswers
    {
        /// <summary>A JSON object from name/value pairs (strings, numbers, booleans, null).</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "A JSON object, the JSON term; JsonAnswers.Object(...) reads as what it builds.")]
        public static string Object(params (string Name, object? Value)[] fields)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var (name, value) in fields)
                {
                    switch (value)
                    {
                        case null: writer.WriteNull(name); break;
                        case string s: writer.WriteString(name, s); break;
                        case bool b: writer.WriteBoolean(name, b); break;
                        case int i: writer.WriteNumber(name, i); break;
                        case long l: writer.WriteNumber(name, l); break;
                        case double d: writer.WriteNumber(name, d); break;
                        default: throw new ArgumentException($"Cannot write a {value.GetType().Name} as a JSON field.", nameof(fields));
                    }
                }
                writer.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /// <summary>
        /// Parses an answer that must be a JSON object; an unusable body becomes a
        /// <see cref="DicomToolsHttpException"/> of kind <see cref="FailureKind.InvalidResponse"/> that says why.
        /// </summary>
        public static JsonDocument ParseObject(HttpAnswer answer, string operation)
        {
            if (answer == null) throw new ArgumentNullException(nameof(answer));
            if (string.IsNullOrWhiteSpace(answer.Body))
                throw DicomToolsHttpException.InvalidAnswer(answer, $"{operation}: {answer.Method} {answer.Uri} answered {answer.StatusCode} with an empty body, where a JSON object was expected.");
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(answer.Body);
            }
            catch (JsonException ex)
            {
                throw DicomToolsHttpException.InvalidAnswer(answer,
                    $"{operation}: {answer.Method} {answer.Uri} answered {answer.StatusCode} with a body that is not JSON ({answer.ContentType ?? "no content type"}, {ex.Message.Split('.')[0]}); is the URL the right API?"
                    + " It starts: " + DicomToolsHttpException.Excerpt(answer.Body.Length > 80 ? answer.Body.Substring(0, 80) : answer.Body));
            }
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                var kind = document.RootElement.ValueKind;
                document.Dispose();
                throw DicomToolsHttpException.InvalidAnswer(answer, $"{operation}: {answer.Method} {answer.Uri} answered with a JSON {kind}, where a JSON object was expected.");
            }
            return document;
        }

        /// <summary>
        /// A JSON value as plain .NET: objects as <see cref="OrderedDictionary"/> (field order kept), arrays as object[],
        /// strings, long or double, bool, null.
        /// </summary>
        public static object? ToPlain(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var fields = new OrderedDictionary(StringComparer.Ordinal);
                    foreach (var property in element.EnumerateObject()) fields[property.Name] = ToPlain(property.Value);
                    return fields;
                case JsonValueKind.Array:
                    var items = new object?[element.GetArrayLength()];
                    var index = 0;
                    foreach (var item in element.EnumerateArray()) items[index++] = ToPlain(item);
                    return items;
                case JsonValueKind.String: return element.GetString();
                case JsonValueKind.Number: return element.TryGetInt64(out var whole) ? whole : (object)element.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: return null;
            }
        }

        /// <summary>A field's value as text: strings as they are, anything else as its JSON; null for JSON null.</summary>
        public static string? AsText(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => element.GetRawText(),
        };
    }
}
