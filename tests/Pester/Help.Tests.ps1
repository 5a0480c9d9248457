# Get-Help is the first thing an admin reads: every exported cmdlet must have a synopsis, a description, every
# parameter described, at least two examples, outputs and links, and every example must run as written. The
# examples run here against the reference lab server, in a folder with ./data/*.dcm sample images, with the
# settings an admin would have in the environment (MD_URL, U_URL, A_URL, LOG_URL and their keys).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $script:ModulePath -Force
    $script:Cmdlets = @(Get-Command -Module DicomTools -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
            $help = Get-Help $_.Name -Full
            @{
                Name     = $_.Name
                Examples = @($help.examples.example | Where-Object { $_ } | ForEach-Object -Begin { $n = 0 } -Process {
                        $n++
                        @{ Cmdlet = $help.Name; Number = $n; Title = ($_.title -replace '^-+\s*|\s*-+$'); Code = [string] $_.code }
                    })
            }
        })
    $script:AllExamples = @($script:Cmdlets | ForEach-Object { $_.Examples })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $script:ModulePath -Force
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'Help of <Name>' -Tag 'Help' -ForEach $script:Cmdlets {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name -Module DicomTools
    }

    It 'comes from the help file, with a synopsis' {
        # Without a help file, Get-Help makes the synopsis out of the syntax.
        $script:Help.Synopsis | Should -Not -BeNullOrEmpty
        $script:Help.Synopsis | Should -Not -Match ([regex]::Escape("$Name ["))
        $script:Help.Synopsis.Length | Should -BeGreaterThan 20
    }

    It 'has a description' {
        ($script:Help.description.Text -join "`n").Length | Should -BeGreaterThan 80
    }

    It 'describes every parameter' {
        $parameters = @($script:Command.Parameters.Values.Name | Where-Object { $_ -notin $script:Common })
        $parameters | Should -Not -BeNullOrEmpty
        foreach ($p in $parameters) {
            $entry = $script:Help.parameters.parameter | Where-Object Name -EQ $p
            $entry | Should -Not -BeNullOrEmpty -Because "-$p must be in the help"
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$p must be described"
        }
    }

    It 'reports pipeline input and aliases as the cmdlet really has them' {
        foreach ($p in $script:Command.Parameters.Values | Where-Object { $_.Name -notin $script:Common }) {
            $entry = $script:Help.parameters.parameter | Where-Object Name -EQ $p.Name
            $byValue = [bool] @($p.ParameterSets.Values | Where-Object ValueFromPipeline).Count
            $entry.pipelineInput -match 'ByValue' | Should -Be $byValue -Because "-$($p.Name) pipeline input"
            foreach ($alias in $p.Aliases) { $entry.aliases | Should -Match ([regex]::Escape($alias)) }
        }
    }

    It 'has at least two examples, each with code and an explanation' {
        @($script:Help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $script:Help.examples.example) {
            $example.code | Should -Match ([regex]::Escape($Name))
            ($example.remarks.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'names its outputs, and links to related topics' {
        $script:Help.returnValues.returnValue.type.name | Should -Not -BeNullOrEmpty
        $script:Help.relatedLinks.navigationLink.linkText | Should -Contain 'about_DicomTools'
    }
}

Describe 'about_DicomTools' -Tag 'Help' {
    It 'explains the flow, settings, retries, atomic uploads, character sets and logging' {
        $text = Get-Help about_DicomTools | Out-String
        foreach ($topic in 'THE FLOW', 'SETTINGS', 'RETRIES', 'ATOMIC UPLOADS', 'CHARACTER SETS', 'LOGGING') {
            $text | Should -Match $topic
        }
        $text | Should -Match 'MD_URL'
        $text | Should -Match 'ISO_IR 192'
    }
}

Describe 'The help examples' -Tag 'Help' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Support/HelpSamples.ps1')
        $script:Lab = $null
        $serverSupport = Join-Path $PSScriptRoot 'Support/TestServers.ps1'
        if (Test-Path $serverSupport) {
            . $serverSupport
            $script:Lab = Start-LabServer
        }
        $settings = @{ MD_URL = '/api/metadata'; U_URL = '/api/upload'; A_URL = '/api/analytics'; LOG_URL = '/api/logs' }
        $keys = @{ MD_KEY = 'MdKey'; U_KEY = 'UploadKey'; A_KEY = 'AnalyticsKey'; LOG_KEY = 'LogKey' }
        $script:SavedEnvironment = @{}
        foreach ($name in @($settings.Keys) + @($keys.Keys)) { $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
        if ($script:Lab) {
            foreach ($name in $settings.Keys) { [Environment]::SetEnvironmentVariable($name, $script:Lab.Url + $settings[$name]) }
            foreach ($name in $keys.Keys) { [Environment]::SetEnvironmentVariable($name, $script:Lab.Keys[$keys[$name]]) }
        }
    }
    AfterAll {
        foreach ($name in $script:SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
        if ($script:Lab) { Stop-LabServer $script:Lab }
    }

    It '<Cmdlet> example <Number> (<Title>) runs as written' -ForEach $script:AllExamples {
        # Each example gets its own folder of fresh images, as if the admin had just received the sample.
        $folder = Join-Path $TestDrive "$Cmdlet-$Number"
        New-HelpSampleData -Folder (Join-Path $folder 'data')
        Push-Location $folder
        try {
            $ErrorActionPreference = 'Stop'
            $output = @(& ([scriptblock]::Create($Code)) 6>$null)
        }
        finally { Pop-Location }
        # -WhatIf tells the host what would happen and may return nothing; every other example shows a result.
        if ($Code -notmatch '-WhatIf\b') { $output | Should -Not -BeNullOrEmpty -Because 'an example shows what the command returns' }
        $output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion' -Tag 'Help' {
    BeforeAll {
        function Get-Completion([string] $Line) {
            (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
        }
    }

    It 'completes DICOM keywords for Get-DicomTag -Tag, with tag, VR and name in the tooltip' {
        $matches = @(Get-Completion 'Get-DicomTag -Path x.dcm -Tag PatientNa')
        $matches.CompletionText | Should -Contain 'PatientName'
        $matches.CompletionText | Should -Not -Contain 'StudyDate'
        ($matches | Where-Object CompletionText -EQ 'PatientName').ToolTip | Should -Match '^\(0010,0010\) PN '
    }

    It 'offers current keywords before retired ones' {
        $matches = @(Get-Completion 'Get-DicomTag -Path x.dcm -Tag OtherPatient')
        $texts = $matches.CompletionText
        $texts | Should -Contain 'OtherPatientIDsSequence'
        $texts.IndexOf('OtherPatientIDsSequence') | Should -BeLessThan $texts.IndexOf('OtherPatientIDs')
    }

    It 'completes a numeric tag prefix to the keywords of that group' {
        $matches = @(Get-Completion "Get-DicomTag -Path x.dcm -Tag '(0010,00")
        $matches.CompletionText | Should -Contain "'PatientName'"
        $matches.CompletionText | Should -Contain "'PatientID'"
    }

    It 'completes Set-DicomTags -Tag into a hashtable entry ready to fill' {
        @(Get-Completion 'Set-DicomTags -Path x.dcm -Tag PatientSpeciesDesc').CompletionText |
            Should -Contain "@{ PatientSpeciesDescription = '' }"
    }

    It 'completes the -Protocol values of Send-DicomFile' {
        @(Get-Completion 'Send-DicomFile -Path x.dcm -Protocol ').CompletionText | Should -Be @('Archive', 'Dimse', 'Raw', 'StowRs')
    }
}
