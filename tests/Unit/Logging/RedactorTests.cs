using System;
using System.IO;
using System.Linq;
using DicomTools.Engine.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace DicomTools.Tests.Unit.Logging
{
    public class RedactorTests
    {
        [Fact]
        public void MasksEveryRegisteredSecretAndItsWireForms()
        {
            var redactor = new Redactor();
            redactor.Register("md-Sécret/42+key");
            redactor.RegisterBasicCredential("orthanc", "pa55word!");
            var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("orthanc:pa55word!"));

            var text = redactor.Redact($"GET /api?key={Uri.EscapeDataString("md-Sécret/42+key")} with md-Sécret/42+key; Basic {basic}; pw pa55word!");

            Assert.DoesNotContain("md-Sécret/42+key", text);
            Assert.DoesNotContain(Uri.EscapeDataString("md-Sécret/42+key"), text);
            Assert.DoesNotContain(basic, text);
            Assert.DoesNotContain("pa55word!", text);
            Assert.Contains("GET /api?key=***", text);
        }

        [Fact]
        public void RegistersAResolvedCredentialInTheFormItIsSent()
        {
            static System.Security.SecureString Secure(string t) { var s = new System.Security.SecureString(); foreach (var c in t) s.AppendChar(c); return s; }
            var redactor = new Redactor();
            redactor.Register(DicomTools.Engine.Http.ApiCredential.ApiKey(Secure("key-from-env-4242"), "x-api-key"));
            redactor.Register(DicomTools.Engine.Http.ApiCredential.Basic("orthanc", Secure("basic-pw-7777")));
            var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("orthanc:basic-pw-7777"));
            Assert.Equal("*** *** ***", redactor.Redact("key-from-env-4242 basic-pw-7777 " + basic));
        }

        [Fact]
        public void ALongerSecretContainingAShorterOneIsMaskedWhole()
        {
            var redactor = new Redactor();
            redactor.Register("abcdef");
            redactor.Register("abcdef-ghijkl");
            Assert.Equal("*** and ***", redactor.Redact("abcdef-ghijkl and abcdef"));
        }

        [Theory]
        [InlineData("Authorization: unregistered-token-1", "Authorization: ***")]
        [InlineData("authorization=Bearer eyJhbGciOi.xyz", "authorization=Bearer ***")]
        [InlineData("x-api-key: k-123 sent", "x-api-key: *** sent")]
        [InlineData("{\"password\":\"hunter2\"}", "{\"password\":\"***\"}")]
        [InlineData("Uploaded a.dcm in 2 attempts", "Uploaded a.dcm in 2 attempts")]
        public void MasksHeaderLikeValuesNobodyRegistered(string input, string expected) =>
            Assert.Equal(expected, new Redactor().Redact(input));

        [Fact]
        public void RedactsMessageAndExceptionTextInBothSinks()
        {
            const string secret = "zz-Distinctive-Key-9f1c";
            var redactor = new Redactor();
            redactor.Register(secret);
            var path = Path.Combine(Path.GetTempPath(), "redact-" + Guid.NewGuid().ToString("N") + ".log");
            try
            {
                var queue = new QueueLoggerProvider(LogLevel.Trace, new LogFileWriter(path, LogLevel.Debug), redactor);
                var logger = queue.CreateLogger("Http");
                Exception thrown;
                try { throw new InvalidOperationException("server echoed key " + secret, new Exception("inner " + secret)); }
                catch (Exception ex) { thrown = ex; }
                logger.LogWarning(thrown, "Retrying with header x-api-key {Key}", secret);
                logger.LogDebug("Authorization: {Value}", "Basic " + secret);
                ((IDisposable)queue.Sink!).Dispose();

                var streamed = Drain(queue);
                Assert.Equal(2, streamed.Length);
                Assert.All(streamed, e => Assert.DoesNotContain(secret, e.Message + e.Details));
                Assert.Contains("server echoed key ***", streamed[0].Message);
                Assert.Contains("inner ***", streamed[0].Message);

                var file = File.ReadAllText(path);
                Assert.DoesNotContain(secret, file);
                Assert.Contains("System.InvalidOperationException: server echoed key ***", file);
            }
            finally { File.Delete(path); }
        }

        private static LogEntry[] Drain(QueueLoggerProvider queue)
        {
            var list = new System.Collections.Generic.List<LogEntry>();
            while (queue.TryDequeue(out var e)) list.Add(e);
            return list.ToArray();
        }
    }

    public class LogLevelsTests
    {
        [Theory]
        [InlineData("DEBUG", LogLevel.Debug)]
        [InlineData("debug", LogLevel.Debug)]
        [InlineData("INFO", LogLevel.Information)]
        [InlineData("Information", LogLevel.Information)]
        [InlineData("WARNING", LogLevel.Warning)]
        [InlineData("warn", LogLevel.Warning)]
        [InlineData("ERROR", LogLevel.Error)]
        [InlineData("CRITICAL", LogLevel.Critical)]
        [InlineData("FATAL", LogLevel.Critical)]
        [InlineData("NOTSET", LogLevel.Trace)]
        [InlineData("10", LogLevel.Debug)]
        [InlineData("20", LogLevel.Information)]
        [InlineData("30", LogLevel.Warning)]
        [InlineData("50", LogLevel.Critical)]
        [InlineData(" info ", LogLevel.Information)]
        public void ParsesPythonAndDotNetNames(string text, LogLevel expected)
        {
            Assert.True(LogLevels.TryParse(text, out var severity));
            Assert.Equal(expected, severity);
        }

        [Theory]
        [InlineData("")]
        [InlineData("LOUD")]
        [InlineData("-5")]
        public void RejectsWhatIsNotALevel(string text)
        {
            Assert.False(LogLevels.TryParse(text, out _));
            var ex = Assert.Throws<ArgumentException>(() => LogLevels.Parse(text, "LOG_LEVEL"));
            Assert.Contains("LOG_LEVEL", ex.Message);
            Assert.Contains("DEBUG, INFO, WARNING, ERROR, CRITICAL", ex.Message);
        }

        [Fact]
        public void FileNamesAreSeverityNamesAsPythonPrintsThem() =>
            Assert.Equal(new[] { "DEBUG", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" },
                Enumerable.Range(0, 6).Select(i => LogLevels.FileName((LogLevel)i)).ToArray());
    }
}
