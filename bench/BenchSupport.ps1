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
