# Dot-sourced by the benchmarks: the built module and sample generator they measure (built first when missing),
# and how to start a pwsh like the one running them.
. (Join-Path (Split-Path $PSScriptRoot) 'tools/ChildPwsh.ps1')

function Get-BenchBuild([string] $RepoRoot, [string] $Configuration) {
    [xml] $props = Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props')
    $version = @($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ })[0]
    $build = [pscustomobject]@{
        ModulePath = Join-Path $RepoRoot "out/DicomTools/$version/DicomTools.psd1"
        SampleData = Join-Path $RepoRoot "tools/DicomTools.SampleData/bin/$Configuration/net10.0/DicomTools.SampleData.dll"
    }
    if (-not (Test-Path $build.ModulePath) -or -not (Test-Path $build.SampleData)) {
        Write-Host 'Building the module and the sample generator first...'
        & (Join-Path $RepoRoot 'build.ps1') -Task Build -Configuration $Configuration
    }
    $build
}

# Runs one process to its end, timed from outside (start-up included): wall seconds, user+system CPU seconds and peak
# resident MB (GNU time -v), exit code and output lines.
function Measure-BenchProcess([string] $FilePath, [string[]] $ArgumentList) {
    if (-not (Test-Path /usr/bin/time)) { throw 'GNU time is missing (apt-get install time): it measures CPU time and peak memory.' }
    $report = [IO.Path]::GetTempFileName()
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = & /usr/bin/time -v -o $report $FilePath @ArgumentList 2>&1
        $exit = $LASTEXITCODE
        $seconds = $clock.Elapsed.TotalSeconds
        $text = Get-Content -Raw -LiteralPath $report
        $field = { param($name) if ($text -match "$name\): ([\d.]+)") { [double] $Matches[1] } else { [double]::NaN } }
        [pscustomobject]@{
            Seconds    = $seconds
            CpuSeconds = (& $field 'User time \(seconds') + (& $field 'System time \(seconds')
            PeakMB     = (& $field 'Maximum resident set size \(kbytes') / 1024
            ExitCode   = $exit
            Output     = @($output | ForEach-Object { "$_" })
        }
    } finally { Remove-Item -LiteralPath $report -ErrorAction Ignore }
}
