#Requires -Version 7.2
<#
.SYNOPSIS
    Packs an assembled module folder (out/DicomTools/<version>) into DicomTools.<version>.nupkg, the package
    that Publish-PSResource would push and Install-PSResource installs.
.DESCRIPTION
    Compress-PSResource (PSResourceGet, shipped with PowerShell 7.4+) writes the nuspec from the manifest:
    version, description, authors, tags, project and license URIs, release notes. Used by build.ps1 -Task
    Package and by tests/Pester/Packaging.Tests.ps1, so the test installs exactly what the build packs.
.OUTPUTS
    System.IO.FileInfo: the package.
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $DestinationPath
)
$ErrorActionPreference = 'Stop'
$manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $ModuleFolder 'DicomTools.psd1')
$package = Join-Path $DestinationPath "DicomTools.$($manifest.ModuleVersion).nupkg"
if (Test-Path -LiteralPath $package) { Remove-Item -LiteralPath $package -Force }
$null = New-Item -ItemType Directory -Force -Path $DestinationPath
Import-Module Microsoft.PowerShell.PSResourceGet
Compress-PSResource -Path $ModuleFolder -DestinationPath $DestinationPath
if (-not (Test-Path -LiteralPath $package)) { throw "Compress-PSResource did not produce $package" }
Get-Item -LiteralPath $package
