using System;

namespace DicomTools.Engine.Http
{
    /// <summary>
    /// Where settings that were not given as parameters come from. The process environment by default; a layer
    /// with .env files and precedence rules can wrap it without the HTTP code knowing.
    /// </summary>
    public interface IEnvironment
    {
        /// <summary>The value of <paramref name="name"/>, or null when it is not set (an empty value counts as not set).</summary>
        string? Get(string name);
    }

    public sealed class ProcessEnvironment : IEnvironment
    {
        public static ProcessEnvironment Instance { get; } = new ProcessEnvironment();

        private ProcessEnvironment() { }

        public string? Get(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }
}
