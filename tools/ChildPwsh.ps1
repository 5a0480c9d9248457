# Dot-sourced by build.ps1, the benchmarks, the demo and the Pester support files: one answer to "how do I
# start a pwsh like the one running me". The pinned dotnet tool runs as 'dotnet pwsh.dll'; an installed pwsh
# runs as itself.
function Get-ChildPwshCommand {
    $dll = Join-Path $PSHOME 'pwsh.dll'
    $processPath = [Environment]::ProcessPath
    if ((Split-Path -Leaf $processPath) -match '^dotnet(\.exe)?$' -and (Test-Path $dll)) { return @($processPath, $dll) }
    return @($processPath)
}
