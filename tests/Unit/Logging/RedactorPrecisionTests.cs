using System;
using System.Collections.Specialized;
using System.Net;
using System.Security;
using System.Text;
using DicomTools.Engine.Http;
using DicomTools.Engine.Logging;
using Xunit;

namespace DicomTools.Tests.Unit.Logging
{
    /// <summary>Issue 9 items 17-18: masking is per redactor, precise for short secrets, and covers every wire form.</summary>
    public class RedactorPrecisionTests
    {
        private static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (var c in text) s.AppendChar(c);
            return s;
        }

        private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

        [Fact]
        public void AShortPasswordDoesNotMaskOrdinaryWords()
        {
            var redactor = new Redactor();
            redactor.RegisterBasicCredential("orthanc", "p");
            const string line = "Sample S-1 attempt 2: uploaded /data/samples/p/plate.dcm";
            Assert.Equal(line, redactor.Redact(line));
        }

        [Theory]
        [InlineData("Authorization: Basic p", "Authorization: Basic ***")]
        [InlineData("password=p&user=x", "password=***&user=x")]
        [InlineData("GET http://orthanc:p@127.0.0.1:8042/instances", "GET http://orthanc:***@127.0.0.1:8042/instances")]
        [InlineData("{\"x-api-key\": \"p\"}", "{\"x-api-key\": \"***\"}")]
        public void AShortSecretIsMaskedWhereCredentialsAppear(string input, string expected)
        {
            var redactor = new Redactor();
            redactor.Register("p");
            Assert.Equal(expected, redactor.Redact(input));
        }

        [Fact]
        public void ACustomKeyHeaderIsACredentialContext()
        {
            var redactor = new Redactor();
            redactor.Register(ApiCredential.ApiKey(Secure("k1"), "X-Lab-Key"));
            Assert.Equal("sent X-Lab-Key: *** to the lab; k1 stays readable elsewhere", redactor.Redact("sent X-Lab-Key: k1 to the lab; k1 stays readable elsewhere"));
        }

        [Fact]
        public void SecretsOfOneRedactorDoNotReachAnother()
        {
            var first = new Redactor();
            first.Register("first-invocation-key-1234");
            var second = new Redactor();
            Assert.Equal("first-invocation-key-1234", second.Redact("first-invocation-key-1234"));
            Assert.Equal("***", first.Redact("first-invocation-key-1234"));
        }

        public static TheoryData<string> Keys => new TheoryData<string> { "md-Sécret/42+key ä", "up load key!&=?", "analytics_key_0123456789", "LOG-key+/==" };

        [Theory]
        [MemberData(nameof(Keys))]
        public void EveryWireFormOfAKeyIsMasked(string key)
        {
            var redactor = new Redactor();
            redactor.Register(key);
            var upper = Uri.EscapeDataString(key);
            var lower = System.Text.RegularExpressions.Regex.Replace(upper, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant());
            var plus = WebUtility.UrlEncode(key);
            var forms = new[] { key, upper, lower, plus, B64(key) };
            foreach (var form in forms)
            {
                var text = redactor.Redact($"server said: invalid key <{form}> (echo)");
                Assert.Equal("server said: invalid key <***> (echo)", text);
            }
        }

        [Fact]
        public void BasicCredentialFormsAreMasked()
        {
            var redactor = new Redactor();
            redactor.Register(ApiCredential.Basic("orthanc", Secure("pa55word!")));
            var token = B64("orthanc:pa55word!");
            Assert.Equal("echo *** and *** and ***", redactor.Redact($"echo Basic {token} and {token} and pa55word!"));
            Assert.DoesNotContain(token, redactor.Redact("Authorization=Basic " + token));
        }

        [Fact]
        public void ServerAnswersHeldAsPlainValuesAreRedactedDeeply()
        {
            var redactor = new Redactor();
            redactor.Register("analytics-key-5555");
            var answer = new OrderedDictionary
            {
                ["status"] = "started",
                ["echo"] = new OrderedDictionary { ["key"] = B64("analytics-key-5555"), ["list"] = new object[] { "x analytics-key-5555" } },
                ["count"] = 3,
            };
            var copy = redactor.RedactDictionary(answer);
            var echo = (OrderedDictionary)copy["echo"]!;
            Assert.Equal("***", echo["key"]);
            Assert.Equal("x ***", ((System.Collections.IList)echo["list"]!)[0]);
            Assert.Equal(3, copy["count"]);
            Assert.Equal("started", copy["status"]);
        }

        [Theory]
        [InlineData("http://lab.example/api", ApiCredentialKind.Basic, false, TransportVerdict.Refused)]
        [InlineData("http://lab.example/api", ApiCredentialKind.Bearer, false, TransportVerdict.Refused)]
        [InlineData("http://lab.example/api", ApiCredentialKind.Bearer, true, TransportVerdict.Allowed)]
        [InlineData("http://lab.example/api", ApiCredentialKind.ApiKey, false, TransportVerdict.AllowedWithWarning)]
        [InlineData("https://lab.example/api", ApiCredentialKind.Basic, false, TransportVerdict.Allowed)]
        [InlineData("http://127.0.0.1:8042/", ApiCredentialKind.Basic, false, TransportVerdict.Allowed)]
        [InlineData("http://127.7.0.3:8042/", ApiCredentialKind.Basic, false, TransportVerdict.Allowed)]
        [InlineData("http://localhost:8042/", ApiCredentialKind.Bearer, false, TransportVerdict.Allowed)]
        [InlineData("http://[::1]:8042/", ApiCredentialKind.Basic, false, TransportVerdict.Allowed)]
        [InlineData("http://127.0.0.1.evil.example/", ApiCredentialKind.Basic, false, TransportVerdict.Refused)]
        public void UnencryptedAuthenticationIsJudgedAsInvokeRestMethodDoesExceptLoopback(string uri, ApiCredentialKind kind, bool allow, TransportVerdict expected)
        {
            var credential = kind switch
            {
                ApiCredentialKind.Basic => ApiCredential.Basic("u", Secure("pw")),
                ApiCredentialKind.Bearer => ApiCredential.Bearer(Secure("tok")),
                _ => ApiCredential.ApiKey(Secure("key"), "x-api-key"),
            };
            Assert.Equal(expected, TransportSecurity.Judge(new Uri(uri), credential, allow));
        }

        [Fact]
        public void TheRefusalNamesTheUriAndTheSwitchButNotTheSecret()
        {
            var message = TransportSecurity.RefusalMessage(new Uri("http://lab.example/api?token=abc"), ApiCredential.Bearer(Secure("tok-secret")), "-AllowUnencryptedAuthentication");
            Assert.Contains("http://lab.example/api", message);
            Assert.Contains("-AllowUnencryptedAuthentication", message);
            Assert.DoesNotContain("abc", message);
            Assert.DoesNotContain("tok-secret", message);
        }
    }
}
