export-env {
    let virtual_env = '/vdist-old/venv'
    let bin = 'bin'
    let venv_path = ([$virtual_env $bin] | path join)
    load-env { VIRTUAL_ENV: $virtual_env }
}
