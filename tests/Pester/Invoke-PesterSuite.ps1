<#
.SYNOPSIS
    Runs the Pester suite in this (child) process against the built module and writes a summary JSON.
    build.ps1 starts it in a fresh pwsh so the module's DLLs are never locked by the build's process.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RepoRoot,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $Configuration = 'Release',
    [string] $Tag
)
$ErrorActionPreference = 'Stop'
# The path names the version (build.ps1 takes it from Pester.Restore.csproj).
Import-Module $PesterPath

# Test files read these to find the built module and the repository's tools.
$env:DICOMTOOLS_MODULE_PATH = $ModulePath
$env:DICOMTOOLS_REPO_ROOT = $RepoRoot
$env:DICOMTOOLS_CONFIGURATION = $Configuration

$config = New-PesterConfiguration
$config.Run.Path = Join-Path $RepoRoot 'tests/Pester'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = Join-Path (Split-Path $SummaryPath) 'pester.xml'
if ($Tag) { $config.Filter.Tag = $Tag -split ',' }

$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
if ($failed) { exit 1 }
exit 0
