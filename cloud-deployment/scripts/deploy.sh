#!/usr/bin/env bash
# deploy.sh: deploy order_system with Docker Compose on this host, or to AWS ECS. See --help.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
	cat <<'EOF'
Usage: deploy.sh [options] docker|aws ENVIRONMENT

docker development|production: Docker Compose on this host, from the repository root
  1. check docker compose and the file: docker-compose.yml, or for production
     docker-compose.production.yml (a complete file of its own; .env must hold every secret
     it requires: docker compose config --quiet)
  2. find the backend and frontend containers by Compose's labels (project order_system, for
     production order_system_prod; com.docker.compose.service=backend or frontend; not
     docker compose run's one-offs), count the running ones, and tag the image the first
     runs as order_system_backend:previous and order_system_frontend:previous (held by
     stopped containers labelled order_system.keep, so cleanup.sh --prune keeps them); none
     (running or stopped) is a first deploy, with nothing to roll back to
  3. docker compose build
  4. production: backup.sh --container order_system_db_prod (a failed backup stops here)
  5. migrations: docker compose run --rm backend python -m app.prestart; if they fail, it
     tags the :previous images back as the services' images (which 3 re-tagged), so that
     the next docker compose up starts the running version again, not the failed build, and
     stops: nothing new is started
  6. docker compose up -d, with --scale SERVICE=N for a service that ran as N > 1
     containers (up without it would bring it back to one), given as long as the health
     checks of 7 (retries x (interval + 5) seconds): Compose starts nginx once the backend
     is healthy, and a release that keeps crashing is never healthy nor unhealthy
  7. wait for the health URL to answer 2xx (curl, a bounded number of tries; a redirect is
     not healthy)
  On a failure in 6 or 7 it re-tags the :previous images and runs docker compose up -d
  --no-build (--scale as in 6) backend frontend, then checks health again. Migrations stay
  applied; the backup from step 4 is what restore.sh puts back if the old version needs the
  old schema.

aws staging|production (or development): ECS Fargate, as the Terraform in
cloud-deployment/terraform defines it (names below, from the prefix order-system-ENV)
  1. check aws, docker and jq; the account (aws sts) and the region
  2. log docker in to ECR (aws ecr get-login-password | docker login --password-stdin)
  3. docker build --platform linux/amd64 and docker push server/ (and front/, if it is
     there) as REGISTRY/order-system-backend:TAG (and order-system-frontend:TAG); the
     repositories are per account and their tags immutable, so every deploy has a new tag
  4. note the task definitions the services run now (for a rollback)
  5. register new revisions of the services' and the migration task's definitions with the
     new images
  6. migrations: aws ecs run-task order-system-ENV-migrate (the service's network
     settings), wait for it to stop, require exit code 0 (else stop: services untouched)
  7. aws ecs update-service --task-definition NEW --force-new-deployment, for each service
  8. aws ecs wait services-stable, then each service must run the new task definition (the
     services' circuit breaker may have rolled back by itself); on failure, update-service
     back to the task definitions of step 4 and wait again
  Names (override with the variables): cluster order-system-ENV (ECS_CLUSTER), services
  order-system-ENV-backend/-frontend (ECS_BACKEND_SERVICE, ECS_FRONTEND_SERVICE), migration
  task family order-system-ENV-migrate (ECS_MIGRATE_TASK), ECR repositories
  order-system-backend/-frontend (ECR_BACKEND_REPOSITORY, ECR_FRONTEND_REPOSITORY), region
  AWS_REGION (else the aws configuration).

Options:
  --dry-run                print the commands, run none of them
  --skip-backup            no backup before the migrations (docker production)
  --health-url URL         what must answer 2xx after the start (docker; default $HEALTH_URL,
                           else http://localhost/health, for production
                           https://localhost/health, whose certificate is not checked as it
                           names the site, not localhost); with aws, checked after the
                           services are stable when given
  --health-retries N       tries before giving up (default 30)
  --health-interval S      seconds between tries (default 5)
  --compose-file FILE      use this Compose file instead of the default (repeatable)
  --backup-dir DIR         where the backup goes (default: backups/ in the repository)
  --tag TAG                the image tag for aws (default: git commit and UTC time)
  -h, --help               this help
EOF
}

DRY_RUN=0
SKIP_BACKUP=0
HEALTH_URL_GIVEN=${HEALTH_URL:-}
HEALTH_RETRIES=30
HEALTH_INTERVAL=5
COMPOSE_FILES=()
BACKUP_DIR=${BACKUP_DIR:-$REPO_ROOT/backups}
IMAGE_TAG=""
POSITIONAL=()

while (($# > 0)); do
	if [[ $1 == --*=* ]]; then
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
	fi
	case $1 in
	--dry-run) DRY_RUN=1 ;;
	--skip-backup) SKIP_BACKUP=1 ;;
	--health-url)
		need_value "$1" "$#" "${2-}"
		HEALTH_URL_GIVEN=$2
		shift
		;;
	--health-retries)
		need_value "$1" "$#" "${2-}"
		HEALTH_RETRIES=$2
		shift
		;;
	--health-interval)
		need_value "$1" "$#" "${2-}"
		HEALTH_INTERVAL=$2
		shift
		;;
	--compose-file)
		need_value "$1" "$#" "${2-}"
		COMPOSE_FILES+=("$2")
		shift
		;;
	--backup-dir)
		need_value "$1" "$#" "${2-}"
		BACKUP_DIR=$2
		shift
		;;
	--tag)
		need_value "$1" "$#" "${2-}"
		IMAGE_TAG=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option: $1 (see --help)" 2 ;;
	*) POSITIONAL+=("$1") ;;
	esac
	shift
done

((${#POSITIONAL[@]} == 2)) || die "give a target and an environment: deploy.sh docker|aws ENVIRONMENT (see --help)" 2
TARGET=${POSITIONAL[0]}
ENVIRONMENT=${POSITIONAL[1]}
case $TARGET in
docker)
	[[ $ENVIRONMENT == development || $ENVIRONMENT == production ]] ||
		die "docker deploys development or production, not '$ENVIRONMENT'" 2
	;;
aws)
	[[ $ENVIRONMENT == development || $ENVIRONMENT == staging || $ENVIRONMENT == production ]] ||
		die "aws deploys development, staging or production, not '$ENVIRONMENT'" 2
	;;
*) die "unknown target '$TARGET': docker or aws" 2 ;;
esac
if ! is_whole_number "$HEALTH_RETRIES" || ((HEALTH_RETRIES < 1)); then
	die "--health-retries must be a whole number, 1 or more (got '$HEALTH_RETRIES')" 2
fi
is_whole_number "$HEALTH_INTERVAL" || die "--health-interval must be whole seconds (got '$HEALTH_INTERVAL')" 2
[[ -z $IMAGE_TAG || $IMAGE_TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag: not an image tag: '$IMAGE_TAG'" 2
HEALTH_URL=$HEALTH_URL_GIVEN
# How long `docker compose up` may wait for the services' health: as long as wait_healthy.
UP_TIMEOUT=$((HEALTH_RETRIES * (HEALTH_INTERVAL + 5)))
if [[ -z $HEALTH_URL ]]; then
	HEALTH_URL=http://localhost/health
	[[ $TARGET == docker && $ENVIRONMENT == production ]] && HEALTH_URL=https://localhost/health
fi

# The commands as they run; --dry-run prints them only. fd 3 is the real stdout, so commands
# whose output is captured still print in order.
exec 3>&1
run() {
	printf '+ %s\n' "$(quote_command "$@")" >&3
	((DRY_RUN)) || "$@"
}
# query PLACEHOLDER COMMAND...: the output of a command that only reads (printed like run's);
# in a dry run, the placeholder instead.
query() {
	local placeholder=$1
	shift
	printf '+ %s\n' "$(quote_command "$@")" >&3
	if ((DRY_RUN)); then
		printf '%s' "$placeholder"
	else
		"$@"
	fi
}

# Healthy is a 2xx answer: curl --fail would take nginx's redirect to https for one.
wait_healthy() {
	local attempt status
	local -a curl=(curl --silent --show-error --max-time 5 --output /dev/null --write-out '%{http_code}')
	# The site's certificate does not name localhost; this checks health, not identity.
	[[ $HEALTH_URL =~ ^https://(localhost|127\.0\.0\.1)([:/]|$) ]] && curl+=(--insecure)
	log "Waiting for $HEALTH_URL to answer 2xx (up to $HEALTH_RETRIES tries, ${HEALTH_INTERVAL}s apart)"
	if ((DRY_RUN)); then
		log "+ $(quote_command "${curl[@]}" "$HEALTH_URL")  (until it answers 2xx)"
		return 0
	fi
	for ((attempt = 1; attempt <= HEALTH_RETRIES; attempt++)); do
		status=$("${curl[@]}" "$HEALTH_URL") || true
		if [[ $status == 2?? ]]; then
			log "  healthy: $status (try $attempt of $HEALTH_RETRIES)"
			return 0
		fi
		log "  try $attempt of $HEALTH_RETRIES: ${status:-no answer}"
		((attempt == HEALTH_RETRIES)) || sleep "$HEALTH_INTERVAL"
	done
	warn "$HEALTH_URL did not answer 2xx after $HEALTH_RETRIES tries"
	return 1
}

# --- Docker Compose ------------------------------------------------------------------------

# find_containers SERVICE [--all]: sets `found` to the IDs of SERVICE's containers in Compose
# project $project, running ones only unless --all (in a dry run: none). Compose gives them
# no fixed name (PROJECT-SERVICE-1, -2, ... so that --scale works) but labels each; one-off
# containers (docker compose run) are labelled oneoff=True and are not the service's.
# Called from deploy_docker, whose locals it reads and sets (project, found).
# The commit the images are built from, `unknown` outside a git checkout.
source_commit() {
	git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown
}

find_containers() {
	local listing
	found=()
	listing=$(query "" docker container ls "${@:2}" --quiet \
		--filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1" \
		--filter label=com.docker.compose.oneoff=False) ||
		die "docker container ls failed: cannot tell what runs now; nothing was changed"
	[[ -z $listing ]] || mapfile -t found <<<"$listing"
}

# tag_previous_back: the :previous images become the services' images again (what their
# containers ran, e.g. order_system_prod-backend, which `docker compose build` has re-tagged),
# so that the next `docker compose up` starts the previous version. Called from
# deploy_docker, whose rollback list (SERVICE=IMAGE, from step 2) it reads.
tag_previous_back() {
	local entry
	for entry in "${rollback[@]}"; do
		run docker tag "order_system_${entry%%=*}:previous" "${entry#*=}" || return 1
	done
}

deploy_docker() {
	local suffix="" file service image ref db project entry
	local -a compose services found rollback=() scale=()
	[[ $ENVIRONMENT == production ]] && suffix=_prod
	if ((${#COMPOSE_FILES[@]} == 0)); then
		COMPOSE_FILES=("$REPO_ROOT/docker-compose.yml")
		[[ $ENVIRONMENT == production ]] && COMPOSE_FILES=("$REPO_ROOT/docker-compose.production.yml")
	fi
	compose=(docker compose)
	for file in "${COMPOSE_FILES[@]}"; do
		compose+=(--file "$file")
	done
	db=order_system_db$suffix
	project=order_system$suffix

	step "1/7 Preflight: Docker Compose and its file (${ENVIRONMENT})"
	for file in "${COMPOSE_FILES[@]}"; do
		if [[ ! -f $file ]]; then
			((DRY_RUN)) || die "no $file"
			warn "no $file"
		fi
	done
	if ((DRY_RUN == 0)); then
		require_command docker
		require_command curl "it checks the health URL"
		docker compose version >/dev/null 2>&1 || die "docker compose (the Compose v2 plugin) is not installed"
	fi
	run "${compose[@]}" config --quiet || die "the Compose configuration does not validate (a secret missing from .env?)"

	step "2/7 Keeping the running images as :previous, for a rollback"
	for service in backend frontend; do
		find_containers "$service"
		if ((DRY_RUN)); then
			log "  (if the $service runs as N > 1 containers, it starts again with --scale $service=N)"
			run docker tag "<image the $service containers run>" "order_system_$service:previous"
			run docker rm --force "order_system_${service}_rollback"
			run docker create --label order_system.keep=rollback --name "order_system_${service}_rollback" "order_system_$service:previous"
			continue
		fi
		# `docker compose up` without --scale would bring a scaled-out service back to one.
		if ((${#found[@]} > 1)); then
			scale+=(--scale "$service=${#found[@]}")
			log "  the $service runs as ${#found[@]} containers: the new version (and a rollback) starts with --scale $service=${#found[@]}"
		fi
		# A stack stopped for maintenance: its containers still tell what it ran.
		((${#found[@]} > 0)) || find_containers "$service" --all
		if ((${#found[@]} == 0)); then
			log "  no $service container in Compose project $project: a first deploy, nothing to roll back to"
			continue
		fi
		image=$(docker container inspect --format '{{.Image}}' "${found[0]}") ||
			die "docker container inspect ${found[0]} failed; nothing was changed"
		ref=$(docker container inspect --format '{{.Config.Image}}' "${found[0]}") ||
			die "docker container inspect ${found[0]} failed; nothing was changed"
		run docker tag "$image" "order_system_$service:previous"
		if docker container inspect "order_system_${service}_rollback" >/dev/null 2>&1; then
			run docker rm --force "order_system_${service}_rollback" >/dev/null
		fi
		run docker create --label order_system.keep=rollback --name "order_system_${service}_rollback" \
			"order_system_$service:previous" >/dev/null
		rollback+=("$service=$ref")
	done

	step "3/7 Building the images"
	# Compose hands it to the backend's build as an argument (order_system_build_info).
	export GIT_COMMIT=${GIT_COMMIT:-$(source_commit)}
	log "  from commit $GIT_COMMIT"
	run "${compose[@]}" build || die "the build failed; nothing was changed"

	step "4/7 Backing up the database"
	if [[ $ENVIRONMENT != production ]]; then
		log "  not for $ENVIRONMENT"
	elif ((SKIP_BACKUP)); then
		warn "--skip-backup: migrating without a backup"
	elif ((DRY_RUN == 0)) && [[ $(docker container inspect --format '{{.State.Running}}' "$db" 2>/dev/null || true) != true ]]; then
		warn "no running $db container: a first deploy, nothing to back up"
	else
		run "$SCRIPT_DIR/backup.sh" --container "$db" --output-dir "$BACKUP_DIR" ||
			die "the backup failed; not deploying (nothing was changed)"
	fi

	step "5/7 Migrating the database"
	if ! run "${compose[@]}" run --rm backend python -m app.prestart; then
		((${#rollback[@]} > 0)) || die "the migrations failed; the running version was not touched"
		# The build of step 3 has re-tagged the services' images: any later `docker compose up`
		# would start the release that failed.
		tag_previous_back ||
			die "the migrations failed; the running version was not touched, but tagging its images back failed: the next docker compose up would start the failed build"
		die "the migrations failed; the running version was not touched, and its images are tagged back as the services' images (a later docker compose up starts that version again, not the failed build)"
	fi

	step "6/7 Starting the new version"
	if run timeout "$UP_TIMEOUT" "${compose[@]}" up -d "${scale[@]}"; then
		step "7/7 Checking health"
		if wait_healthy; then
			if ((DRY_RUN)); then
				log ""
				log "On a failure in 5: docker tag order_system_backend:previous (and frontend) back to the"
				log "images the containers ran, and nothing starts. On a failure in 6 or 7: the same, then"
				log "$(quote_command "${compose[@]}") up -d --no-build backend frontend (with the --scale of 6)"
				log "Dry run: nothing was run."
				return 0
			fi
			log ""
			log "Deployed $ENVIRONMENT."
			return 0
		fi
		warn "the new version is not healthy"
	else
		warn "docker compose up failed, or did not finish in ${UP_TIMEOUT}s"
	fi

	step "Rolling back to the previous images"
	((${#rollback[@]} > 0)) || die "deploy failed, and there is no previous version to roll back to"
	tag_previous_back || die "deploy failed, and so did tagging the previous images back: docker image ls, docker compose ps"
	services=()
	for entry in "${rollback[@]}"; do
		services+=("${entry%%=*}")
	done
	run timeout "$UP_TIMEOUT" "${compose[@]}" up -d --no-build "${scale[@]}" "${services[@]}" || die "deploy failed, and so did the rollback: docker compose ps, docker compose logs"
	if wait_healthy; then
		die "deploy failed; rolled back to the previous images, which are healthy. The database keeps the new migrations: if the previous version cannot work with them, restore the backup (restore.sh latest --container $db --backup-dir $BACKUP_DIR)"
	fi
	die "deploy failed; rolled back, but the previous images are not healthy either: docker compose ps, docker compose logs"
}

# --- AWS ECS -------------------------------------------------------------------------------

# register_with_image TASK_DEFINITION REPOSITORY_URI IMAGE: registers a copy of the task
# definition whose containers from that repository run IMAGE; prints the new ARN.
register_with_image() {
	local source=$1 repository=$2 image=$3 definition
	if ((DRY_RUN)); then
		run aws ecs describe-task-definition --task-definition "$source" --query taskDefinition --output json
		run aws ecs register-task-definition --cli-input-json "<that definition, $repository images replaced by $image>"
		source=${source#<}
		printf '<new revision of %s>' "${source%>}"
		return
	fi
	definition=$(aws ecs describe-task-definition --task-definition "$source" --query taskDefinition --output json)
	definition=$(jq --arg repository "$repository" --arg image "$image" '
		.containerDefinitions |= map(
			if (.image == $repository or (.image | startswith($repository + ":")) or (.image | startswith($repository + "@")))
			then .image = $image else . end)
		| del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
		      .registeredAt, .registeredBy, .deregisteredAt)' <<<"$definition")
	jq --exit-status --arg image "$image" 'any(.containerDefinitions[]; .image == $image)' <<<"$definition" >/dev/null ||
		die "no container of task definition $source runs an image from $repository"
	printf '+ %s\n' "aws ecs register-task-definition --cli-input-json <$source with $image>" >&3
	aws ecs register-task-definition --cli-input-json "$definition" \
		--query taskDefinition.taskDefinitionArn --output text
}

# Stable is not enough: the services' circuit breaker may have rolled back by itself.
# Called from deploy_aws, whose locals it reads (services, updated, service_of, cluster).
running_new_definitions() {
	local index=0 component running
	for component in "${services[@]}"; do
		running=$(query "${updated[$index]}" aws ecs describe-services --cluster "$cluster" \
			--services "${service_of[$component]}" --query 'services[0].taskDefinition' --output text)
		if [[ $running != "${updated[$index]}" ]]; then
			warn "${service_of[$component]} runs $running, not ${updated[$index]}: ECS rolled the deployment back"
			return 1
		fi
		index=$((index + 1))
	done
}

deploy_aws() {
	local prefix=order-system-$ENVIRONMENT region account registry tag netcfg task code
	local cluster backend_service frontend_service migrate_family service component repository
	local -a services=() previous=() updated=()
	cluster=${ECS_CLUSTER:-$prefix}
	backend_service=${ECS_BACKEND_SERVICE:-$prefix-backend}
	frontend_service=${ECS_FRONTEND_SERVICE:-$prefix-frontend}
	migrate_family=${ECS_MIGRATE_TASK:-$prefix-migrate}
	local -A repository_of=(
		[backend]=${ECR_BACKEND_REPOSITORY:-order-system-backend}
		[frontend]=${ECR_FRONTEND_REPOSITORY:-order-system-frontend}
	)
	local -A context_of=(
		[backend]=${BACKEND_CONTEXT:-$REPO_ROOT/server}
		[frontend]=${FRONTEND_CONTEXT:-$REPO_ROOT/front}
	)
	local -A service_of=([backend]=$backend_service [frontend]=$frontend_service)

	step "1/8 Preflight: tools, account and region (${ENVIRONMENT})"
	if ((DRY_RUN == 0)); then
		require_command aws
		require_command docker
		require_command jq "it edits the task definitions"
	fi
	region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
	[[ -n $region ]] || region=$(query "<region>" aws configure get region || true)
	[[ -n $region ]] || die "no AWS region: set AWS_REGION"
	account=$(query "<account>" aws sts get-caller-identity --query Account --output text) ||
		die "aws sts get-caller-identity failed: no working AWS credentials"
	registry=$account.dkr.ecr.$region.amazonaws.com
	tag=$IMAGE_TAG
	commit=${GIT_COMMIT:-$(source_commit)}
	if [[ -z $tag ]]; then
		tag=$(date -u +%Y%m%d%H%M%S)
		[[ $commit == unknown ]] || tag=$commit-$tag
	fi
	log "  cluster $cluster in $region, account $account; images tagged $tag"
	for component in backend frontend; do
		if [[ -d ${context_of[$component]} ]]; then
			services+=("$component")
		else
			log "  no ${context_of[$component]}: not deploying the $component"
		fi
	done
	((${#services[@]} > 0)) || die "nothing to build"

	step "2/8 Logging docker in to ECR ($registry)"
	log "+ aws ecr get-login-password --region $region | docker login --username AWS --password-stdin $registry"
	if ((DRY_RUN == 0)); then
		aws ecr get-login-password --region "$region" |
			docker login --username AWS --password-stdin "$registry" >/dev/null ||
			die "docker login to $registry failed"
	fi

	step "3/8 Building and pushing the images"
	for component in "${services[@]}"; do
		repository=$registry/${repository_of[$component]}
		build_args=()
		# The backend reports it as order_system_build_info; the SPA takes no build argument.
		[[ $component == frontend ]] || build_args=(--build-arg "GIT_COMMIT=$commit")
		run docker build --platform "${DOCKER_PLATFORM:-linux/amd64}" "${build_args[@]}" \
			--tag "$repository:$tag" "${context_of[$component]}" ||
			die "building the $component failed; nothing was deployed"
		run docker push "$repository:$tag" || die "pushing $repository:$tag failed; nothing was deployed"
	done

	step "4/8 The task definitions running now (the rollback target)"
	for component in "${services[@]}"; do
		service=${service_of[$component]}
		previous+=("$(query "<current task definition of $service>" aws ecs describe-services --cluster "$cluster" \
			--services "$service" --query 'services[0].taskDefinition' --output text)")
		[[ -n ${previous[-1]} && ${previous[-1]} != None ]] || die "no service $service in cluster $cluster (terraform apply first)"
		log "  $service: ${previous[-1]}"
	done

	step "5/8 Registering task definitions with the new images"
	local migrate_definition
	migrate_definition=$(register_with_image "$migrate_family" "$registry/${repository_of[backend]}" "$registry/${repository_of[backend]}:$tag")
	log "  $migrate_family: $migrate_definition"
	local index=0 family
	for component in "${services[@]}"; do
		repository=$registry/${repository_of[$component]}
		# From the family's newest revision, not the running one, so that settings changed by
		# `terraform apply` since the last release go out with this one.
		family=${previous[$index]##*/}
		family=${family%:*}
		updated+=("$(register_with_image "$family" "$repository" "$repository:$tag")")
		log "  ${service_of[$component]}: ${updated[-1]}"
		index=$((index + 1))
	done

	step "6/8 Migrating the database (one-off task $migrate_family)"
	netcfg=$(query "<the network configuration of $backend_service>" aws ecs describe-services --cluster "$cluster" \
		--services "$backend_service" --query 'services[0].networkConfiguration' --output json)
	task=$(query "<migration task>" aws ecs run-task --cluster "$cluster" --task-definition "$migrate_definition" \
		--launch-type FARGATE --network-configuration "$netcfg" --started-by deploy.sh \
		--query 'tasks[0].taskArn' --output text) || die "the migration task did not start; services untouched"
	[[ -n $task && $task != None ]] || die "the migration task did not start (see aws ecs run-task's failures); services untouched"
	run aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task" || die "the migration task did not finish; services untouched"
	code=$(query 0 aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
		--query 'tasks[0].containers[0].exitCode' --output text)
	[[ $code == 0 ]] || die "the migrations failed (exit code $code; see the task's logs in CloudWatch); services untouched"

	step "7/8 Rolling out"
	index=0
	for component in "${services[@]}"; do
		run aws ecs update-service --cluster "$cluster" --service "${service_of[$component]}" \
			--task-definition "${updated[$index]}" --force-new-deployment --query 'service.serviceName' \
			--output text >/dev/null || die "update-service ${service_of[$component]} failed"
		index=$((index + 1))
	done

	step "8/8 Waiting for the services to be stable"
	local -a names=()
	for component in "${services[@]}"; do
		names+=("${service_of[$component]}")
	done
	if ! run aws ecs wait services-stable --cluster "$cluster" --services "${names[@]}"; then
		warn "the services did not become stable"
	elif running_new_definitions && { [[ -z $HEALTH_URL_GIVEN ]] || wait_healthy; }; then
		log ""
		if ((DRY_RUN)); then
			log "On a failure in 8: aws ecs update-service --task-definition <the definitions of step 4> --force-new-deployment, for each service"
			log "Dry run: nothing was run."
		else
			log "Deployed $ENVIRONMENT: $tag"
		fi
		return 0
	fi

	step "Rolling back to the previous task definitions"
	index=0
	for component in "${services[@]}"; do
		run aws ecs update-service --cluster "$cluster" --service "${service_of[$component]}" \
			--task-definition "${previous[$index]}" --force-new-deployment --query 'service.serviceName' \
			--output text >/dev/null || warn "could not roll ${service_of[$component]} back"
		index=$((index + 1))
	done
	if run aws ecs wait services-stable --cluster "$cluster" --services "${names[@]}"; then
		die "deploy failed; rolled back to the previous task definitions, which are stable. Migrations stay applied"
	fi
	die "deploy failed; rolled back, but the services are not stable either: aws ecs describe-services --cluster $cluster"
}

log "deploy.sh $TARGET $ENVIRONMENT$( ((DRY_RUN)) && echo ' (dry run: printing the commands only)')"
if [[ $TARGET == docker ]]; then
	deploy_docker
else
	deploy_aws
fi
