# fish completion for scl; installed as $(datadir)/fish/vendor_completions.d/scl.fish.

set -l scl_commands run eval parse vet import mod function fmt test lint doc help

function __scl_sub -a cmd sub
    set -l words (commandline -opc)
    test (count $words) -ge 3; and test "$words[2]" = $cmd; and test "$words[3]" = $sub
end

complete -c scl -f
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a run -d 'evaluate and print YAML or JSON'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a eval -d 'evaluate (same as run)'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a parse -d 'parse only'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a vet -d 'validate JSON or YAML data'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a import -d 'KCL from CRDs, OpenAPI, data'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a mod -d 'manage packages'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a function -d 'Crossplane composition function'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a fmt -d 'format files'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a test -d 'run *_test.k tests'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a lint -d 'report lint warnings'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a doc -d 'generate documentation'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -a help -d 'show help'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -s h -l help -d 'show help'
complete -c scl -n "not __fish_seen_subcommand_from $scl_commands" -s v -l version -d 'print versions'

# run and eval
set -l run "__fish_seen_subcommand_from run eval"
complete -c scl -n $run -F
complete -c scl -n $run -s D -l argument -x -d 'value of option(key): key=value'
complete -c scl -n $run -s Y -l setting -r -F -d 'settings file'
complete -c scl -n $run -s S -l path_selector -x -d 'print only the value at a path'
complete -c scl -n $run -s E -l external -x -d 'package name=dir'
complete -c scl -n $run -s O -l overrides -x -d 'change the package: path=value'
complete -c scl -n $run -s o -l output -r -F -d 'write the result to a file'
complete -c scl -n $run -l format -x -a 'yaml json' -d 'output format'
complete -c scl -n $run -s k -l sort_keys -d 'sort mapping keys'
complete -c scl -n $run -s H -l show_hidden -d 'print hidden attributes'
complete -c scl -n $run -s n -l disable_none -d 'leave out None values'
complete -c scl -n $run -s r -l strict_range_check -d 'check 32-bit ranges'
complete -c scl -n $run -s d -l debug -d 'debug mode'
complete -c scl -n $run -s V -l vendor -d 'dependencies under vendor/'
complete -c scl -n $run -l offline -d 'never download'
complete -c scl -n $run -l no-cache -d 'no module cache'
complete -c scl -n $run -l timeout -x -d 'time budget (seconds)'
complete -c scl -n $run -l max-memory -x -d 'memory budget (MiB, or B/K/M/G)'
complete -c scl -n $run -l max-time -x -d 'time budget (seconds)'
complete -c scl -n $run -l max-output -x -d 'output budget (MiB, or B/K/M/G)'
complete -c scl -n $run -l max-depth -x -d 'nested calls and instantiations'
complete -c scl -n $run -s q -l quiet -d 'accepted for compatibility'
complete -c scl -n $run -l no_style -d 'accepted for compatibility'
complete -c scl -n $run -s K -l fast_eval -d 'accepted for compatibility'
complete -c scl -n $run -s h -l help -d 'show help'

# diagnostics format of the commands that report them
complete -c scl -n "__fish_seen_subcommand_from run eval lint vet import test doc fmt" -l error_format -x -a 'pretty short json github sarif arcanist' -d 'diagnostics format'

# lint
set -l lint "__fish_seen_subcommand_from lint"
complete -c scl -n $lint -F
complete -c scl -n $lint -s E -l external -x -d 'package name=dir'
complete -c scl -n $lint -s h -l help -d 'show help'

# parse
complete -c scl -n "__fish_seen_subcommand_from parse" -F
complete -c scl -n "__fish_seen_subcommand_from parse" -l ast -d 'print the syntax tree as JSON'

# vet
set -l vet "__fish_seen_subcommand_from vet"
complete -c scl -n $vet -F
complete -c scl -n $vet -s s -l schema -x -d 'schema name'
complete -c scl -n $vet -s a -l attribute_name -x -d 'attribute name'
complete -c scl -n $vet -l format -x -a 'json yaml' -d 'data format'
complete -c scl -n $vet -l output -x -a 'text json' -d 'result format'
complete -c scl -n $vet -l max-time -x -d 'time budget (seconds)'
complete -c scl -n $vet -l timeout -x -d 'time budget (seconds)'
complete -c scl -n $vet -l max-memory -x -d 'memory budget'
complete -c scl -n $vet -l max-output -x -d 'output budget'
complete -c scl -n $vet -l max-depth -x -d 'nested calls and instantiations'
complete -c scl -n $vet -s E -l external -x -d 'package name=path'
complete -c scl -n $vet -s h -l help -d 'show help'

# import
set -l imp "__fish_seen_subcommand_from import"
complete -c scl -n $imp -F
complete -c scl -n $imp -s m -l mode -x -a 'crd openapi jsonschema json yaml auto' -d 'input kind'
complete -c scl -n $imp -s o -l output -r -F -d 'output path'
complete -c scl -n $imp -s p -l package -x -d 'package directory'
complete -c scl -n $imp -s f -l force -d 'overwrite'
complete -c scl -n $imp -s s -l skip-validation -d 'accepted for compatibility'
complete -c scl -n $imp -l recursive -d 'include subdirectories'
complete -c scl -n $imp -s h -l help -d 'show help'

# fmt
set -l fmt "__fish_seen_subcommand_from fmt"
complete -c scl -n $fmt -F
complete -c scl -n $fmt -l dry-run -d 'only print what would change'
complete -c scl -n $fmt -l check -d 'print a diff of what would change'
complete -c scl -n $fmt -s h -l help -d 'show help'

# test
set -l tst "__fish_seen_subcommand_from test"
complete -c scl -n $tst -F
complete -c scl -n $tst -l run -x -d 'run only tests matching a regex'
complete -c scl -n $tst -l fail-fast -d 'stop at the first failure'
complete -c scl -n $tst -s D -l argument -x -d 'option value key=value'
complete -c scl -n $tst -s E -l external -x -d 'package name=dir'
complete -c scl -n $tst -s V -l vendor -d 'vendor mode'
complete -c scl -n $tst -l no_style -d 'no colours'
complete -c scl -n $tst -s q -l quiet -d 'quiet'
complete -c scl -n $tst -l offline -d 'never download'
complete -c scl -n $tst -s h -l help -d 'show help'

# doc generate
set -l doc "__fish_seen_subcommand_from doc"
complete -c scl -n "$doc; and not __fish_seen_subcommand_from generate gen g" -a 'generate gen g' -d 'write the package documentation'
complete -c scl -n $doc -l file-path -r -a '(__fish_complete_directories)' -d 'package root'
complete -c scl -n $doc -l format -x -a 'md html openapi' -d 'format'
complete -c scl -n $doc -l target -r -a '(__fish_complete_directories)' -d 'output directory'
complete -c scl -n $doc -l template -r -a '(__fish_complete_directories)' -d 'template directory'
complete -c scl -n $doc -l escape-html -d 'escape HTML'
complete -c scl -n $doc -l ignore-deprecated -d 'accepted for compatibility'
complete -c scl -n $doc -s h -l help -d 'show help'

# mod
set -l mod "__fish_seen_subcommand_from mod"
set -l mod_subs init add pull push pkg update metadata graph
complete -c scl -n "$mod; and not __fish_seen_subcommand_from $mod_subs" -a "$mod_subs"
complete -c scl -n "__scl_sub mod init" -l version -x -d 'package version'
for sub in add pull
    complete -c scl -n "__scl_sub mod $sub" -l git -x -d 'git repository'
    complete -c scl -n "__scl_sub mod $sub" -l oci -x -d 'OCI reference'
    complete -c scl -n "__scl_sub mod $sub" -l path -r -a '(__fish_complete_directories)' -d 'a directory'
    complete -c scl -n "__scl_sub mod $sub" -l tag -x -d 'tag'
    complete -c scl -n "__scl_sub mod $sub" -l commit -x -d 'commit'
    complete -c scl -n "__scl_sub mod $sub" -l branch -x -d 'branch'
    complete -c scl -n "__scl_sub mod $sub" -l insecure-skip-tls-verify -d 'skip TLS verification'
end
complete -c scl -n "__scl_sub mod add" -l rename -x -d 'import name'
complete -c scl -n "__scl_sub mod add; or __scl_sub mod update" -l no_sum_check -d 'skip checksums'
complete -c scl -n "__scl_sub mod add; or __scl_sub mod update" -s q -l quiet -d 'quiet'
complete -c scl -n "__scl_sub mod add; or __scl_sub mod push; or __scl_sub mod pkg; or __scl_sub mod update; or __scl_sub mod metadata" -l vendor -d 'vendor mode'
complete -c scl -n "__scl_sub mod push" -l force -d 'overwrite the tag'
complete -c scl -n "__scl_sub mod push" -l tar_path -r -F -d 'push this tar file'
complete -c scl -n "__scl_sub mod push" -l insecure-skip-tls-verify -d 'skip TLS verification'
complete -c scl -n "__scl_sub mod pkg" -l target -r -a '(__fish_complete_directories)' -d 'output directory'
complete -c scl -n "__scl_sub mod metadata" -l update -d 'download missing dependencies'
complete -c scl -n $mod -s h -l help -d 'show help'

# function serve / render
set -l fn "__fish_seen_subcommand_from function"
complete -c scl -n "$fn; and not __fish_seen_subcommand_from serve render" -a 'serve render'
complete -c scl -n $fn -l root -r -a '(__fish_complete_directories)' -d 'module root of inline sources'
complete -c scl -n $fn -s E -l external -x -d 'package NAME=DIR'
complete -c scl -n $fn -l dependencies -r -F -d 'kcl.mod dependency lines'
complete -c scl -n $fn -l timeout -x -d 'time budget (seconds)'
complete -c scl -n $fn -l max-memory -x -d 'memory budget (MiB)'
complete -c scl -n $fn -l reuse-imports -x -d 'how long resolved imports are reused (seconds)'
complete -c scl -n $fn -s d -l debug -d 'log each request'
complete -c scl -n $fn -s h -l help -d 'show help'
complete -c scl -n "__scl_sub function serve" -l address -x -d 'listen address'
complete -c scl -n "__scl_sub function serve" -l network -x -a tcp -d 'listen network'
complete -c scl -n "__scl_sub function serve" -l insecure -d 'plaintext HTTP/2'
complete -c scl -n "__scl_sub function serve" -l tls-certs-dir -r -a '(__fish_complete_directories)' -d 'mTLS certificates'
complete -c scl -n "__scl_sub function serve" -l max-recv-message-size -x -d 'largest request (MiB)'
complete -c scl -n "__scl_sub function serve" -l workers -x -d 'worker threads'
complete -c scl -n "__scl_sub function render" -F
complete -c scl -n "__scl_sub function render" -s o -l observed-resources -r -F -d 'observed resources'
complete -c scl -n "__scl_sub function render" -l context-files -x -d 'KEY=FILE'
complete -c scl -n "__scl_sub function render" -l context-values -x -d 'KEY=VALUE'
complete -c scl -n "__scl_sub function render" -s r -l include-function-results -d 'print the results'
complete -c scl -n "__scl_sub function render" -s c -l include-context -d 'print the context'
complete -c scl -n "__scl_sub function render" -s x -l include-full-xr -d 'print the whole XR'
