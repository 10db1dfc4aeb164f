// Generated from Ferry's OpenAPI document by services/web/scripts/api-types.ts: do not edit.
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database and the job queue are reachable */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ready";
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "unavailable";
                            reason: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics, for operators (Authorization: Bearer FERRY_METRICS_TOKEN)
         * @description Prometheus text: this process's figures and the whole service's (queues, runs, traffic, mail). 404 when the operator set no FERRY_METRICS_TOKEN.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/signup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create an account and sign in; with address verification on, a confirmation link is mailed */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        password: string;
                        /**
                         * @description The language of Ferry's mails; default: from Accept-Language, else English
                         * @enum {string}
                         */
                        locale?: "en" | "de" | "fr";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: components["schemas"]["User"];
                            csrfToken: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The link mailed at signup: a page asking to confirm the address (changes nothing) */
        get: {
            parameters: {
                query: {
                    token: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": {
                            email: string;
                            /** @enum {boolean} */
                            emailVerified: false;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Mail a new link that confirms the address */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sentTo: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with email and password
         * @description Past 10 failed logins for an address within 15 minutes, its logins are refused (429, Retry-After) until those 15 minutes are over; a successful login clears the count.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: components["schemas"]["User"];
                            csrfToken: string;
                        } | {
                            /** @enum {boolean} */
                            secondFactorRequired: true;
                            /** @description Send it with the code to POST /auth/login/second-factor within 5 minutes */
                            challenge: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login/second-factor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in, second step: the code of the authenticator app, or a recovery code
         * @description The challenge comes from POST /auth/login and is good for 5 minutes and one success. Wrong codes count against the account: past 10 within 15 minutes, 429 with Retry-After.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        challenge: string;
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: components["schemas"]["User"];
                            csrfToken: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/email-change": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The link mailed to a new address: a page asking to confirm the change (changes nothing) */
        get: {
            parameters: {
                query: {
                    token: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": {
                            email: string;
                            newEmail: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Forgotten password: mail a single-use link, good for an hour, to the account with this address
         * @description Always 202, whether or not the address has an account, and as fast either way (the mail is prepared after the answer). Five requests per address within 15 minutes, then 429.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": Record<string, never>;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password-reset/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Set a new password with the link’s token; every session of the account ends */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notify-addresses/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The link mailed to an address named in a task's notify.email: a page asking its owner to confirm (changes nothing) */
        get: {
            parameters: {
                query: {
                    token: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": {
                            email: string;
                            askedBy: string;
                            /** @enum {boolean} */
                            confirmed: false;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Confirm that an address named in a task's notify.email wants its run mails (the token of the link mailed to it) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                    };
                    "application/x-www-form-urlencoded": {
                        token: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": {
                            email: string;
                            /** @enum {boolean} */
                            confirmed: true;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The kinds of cloud Ferry connects, and the options each needs */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Provider"][];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/verify/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Confirm an email address (the token of the link mailed at signup) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                    };
                    "application/x-www-form-urlencoded": {
                        token: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": {
                            email: string;
                            /** @enum {boolean} */
                            emailVerified: true;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/email-change/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Confirm a new address (the token of the link mailed to it) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                    };
                    "application/x-www-form-urlencoded": {
                        token: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": {
                            email: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** End this session */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user and this month’s traffic */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Me"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete the account: runs cancelled, sign-ins revoked at the providers, every record removed
         * @description The password is asked, and a code when two-factor sign-in is on. The account is gone at once; its OAuth sign-ins are then revoked where the provider offers it (Google, Dropbox; Microsoft offers no revocation of one app). The files Ferry copied stay where they are. A mail confirms it.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        password: string;
                        /** @description The app’s 6 digits, or a recovery code */
                        code?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change the account: the language of its mails and of the web app */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description The language of Ferry's mails and of the web app
                         * @enum {string}
                         */
                        locale: "en" | "de" | "fr";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Me"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List personal access tokens */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Token"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a personal access token (shown once) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** @description Shown once */
                            token: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Revoke every personal access token of the account */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            revoked: number;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a personal access token */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/email": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Change the address: the password is asked; a link to the new address confirms, the old one is told */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            sentTo: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Everything of the account as one JSON download: clouds (without secrets), tasks, runs, manifests */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description {exportedAt, account, clouds, tasks, runs, manifest} */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Change the password (the current one is asked); every other session ends */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        currentPassword: string;
                        newPassword: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account’s browser sessions: when made, last used, from where */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Session"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** End every session but this one (with a token: every session) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ended: number;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End a session (this one too: then sign in again) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/two-factor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Set up two-factor sign-in: the seed to scan (QR code) or type; on once confirmed with a code */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Base32, for apps that cannot scan */
                            secret: string;
                            otpauthUri: string;
                            /** @description The otpauth URI as a QR code, an SVG document */
                            qrSvg: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Turn two-factor sign-in off: the password and a code (or a recovery code) are asked */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        password: string;
                        /** @description The app’s 6 digits, or a recovery code */
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/two-factor/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Turn two-factor sign-in on with the app’s first code; answers the recovery codes, shown once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The app’s 6 digits, or a recovery code */
                        code: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            recoveryCodes: string[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clouds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List connected clouds */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Cloud"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Connect a cloud with credentials (s3, local); its connection is tried first and a cloud that cannot be reached is not saved */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        kind: "google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt";
                        name: string;
                        /** @description The provider's options, as GET /providers describes them */
                        options?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Cloud"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clouds/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A connected cloud */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Cloud"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Disconnect a cloud */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Rename a cloud or change its options (changed options are tried as at creation) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @description Changed options; secrets left out keep their value */
                        options?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Cloud"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/clouds/{id}/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Test that Ferry can reach and use the cloud */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ok: boolean;
                            error: string | null;
                            cloud: components["schemas"]["Cloud"];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clouds/{id}/entries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Browse the folders of a cloud */
        get: {
            parameters: {
                query?: {
                    path?: string;
                    cursor?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                name: string;
                                path: string;
                                /** @enum {string} */
                                type: "folder" | "file";
                                size?: number;
                                modifiedAt?: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clouds/{id}/picker-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Google Photos: start a Picker session; open its pickerUri (with /autoclose) in a new tab for the user to pick */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PickerSession"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clouds/{id}/picker-sessions/{sid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Google Photos: whether the user is done picking (poll at pollIntervalSeconds), and how many items were picked */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    sid: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PickerSession"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clouds/{id}/takeout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Google Photos via Takeout: the export sets in the delivery folder, their parts and state, when the next is due, and how to set up the export */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ExportStatus"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/oauth/{kind}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Connect a cloud by signing in: redirects to the provider's sign-in page (on an error, a browser is redirected to /clouds/new?error=&message=, as from the callback) */
        get: {
            parameters: {
                query?: {
                    /** @description The cloud's name; default: the account's email or name */
                    name?: string;
                };
                header?: never;
                path: {
                    kind: "google-photos" | "google-drive" | "dropbox" | "onedrive";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/oauth/{kind}/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where the provider sends the browser back: stores the tokens as a cloud and redirects to the cloud's page (?connected=1 or ?reconnected=1). On an error a browser (Accept: text/html) is redirected to /clouds/new?error=<code>&message=<message>; other clients get the JSON error */
        get: {
            parameters: {
                query?: {
                    code?: string;
                    state?: string;
                    error?: string;
                    error_description?: string;
                };
                header?: never;
                path: {
                    kind: "google-photos" | "google-drive" | "dropbox" | "onedrive";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tasks */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Task"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a backup task */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        source: {
                            /** Format: uuid */
                            cloudId: string;
                            path?: string;
                            /** @description Google Photos: the picker session whose items to copy */
                            pickerSessionId?: string;
                        };
                        destination: {
                            /** Format: uuid */
                            cloudId: string;
                            path: string;
                        };
                        schedule?: {
                            /** @enum {string} */
                            frequency: "daily" | "weekly" | "monthly";
                            /** @description Local time of day, HH:MM */
                            time: string;
                            /** @description IANA time zone */
                            timezone: string;
                            /** @description Weekly: 0 = Sunday … 6 = Saturday */
                            weekday?: number;
                            /** @description Monthly: day of month; past the end of a month, its last day */
                            monthday?: number;
                        };
                        filter?: {
                            /** @description Glob patterns (e.g. **\/*.jpg); only matching paths are copied */
                            include?: string[];
                            /** @description Glob patterns of paths never copied */
                            exclude?: string[];
                            mediaTypes?: ("photo" | "video" | "other")[];
                            /** @description Bytes */
                            minSize?: number;
                            /** @description Bytes */
                            maxSize?: number;
                            /** @description Only items dated at or after this */
                            after?: string;
                            /** @description Only items dated before this */
                            before?: string;
                            /** @description Also copy items in the provider's trash (Google Takeout: trashed photos); left out by default */
                            includeTrashed?: boolean;
                        };
                        options?: {
                            /**
                             * @description When the destination already has a different file at the path
                             * @default skip
                             * @enum {string}
                             */
                            conflict?: "skip" | "overwrite" | "rename";
                            /**
                             * @description Check every copy against the hash computed while it streamed
                             * @default true
                             */
                            verify?: boolean;
                            /** @description Destination path template, e.g. {yyyy}/{mm}/{name}. Tokens: {yyyy} {mm} {dd} {name} {stem} {ext} {dir} {path} */
                            layout?: string;
                            /** @description Keep the copy a changed file replaces, as a version under .ferry-versions/ in the destination folder, instead of overwriting it; a later run removes versions beyond keep or older than days */
                            versions?: {
                                /** @description Versions kept of each file, newest first */
                                keep?: number;
                                /** @description Versions older than this are removed */
                                days?: number;
                            };
                            /** @description When the task verifies its backup by itself (checks every copy at the destination) */
                            verifySchedule?: {
                                /** @enum {string} */
                                frequency: "daily" | "weekly" | "monthly";
                                /** @description Local time of day, HH:MM */
                                time: string;
                                /** @description IANA time zone */
                                timezone: string;
                                /** @description Weekly: 0 = Sunday … 6 = Saturday */
                                weekday?: number;
                                /** @description Monthly: day of month; past the end of a month, its last day */
                                monthday?: number;
                            };
                            /** @description S3 destinations: Object Lock retention on every object Ferry writes (the bucket must have it on) */
                            objectLock?: {
                                /** @enum {string} */
                                mode: "GOVERNANCE" | "COMPLIANCE";
                                days: number;
                            };
                        };
                        notify?: {
                            /**
                             * @description failure includes partial, failed and quota_exceeded runs
                             * @default failure
                             * @enum {string}
                             */
                            on?: "never" | "failure" | "always";
                            /**
                             * Format: email
                             * @description Defaults to the account's address
                             */
                            email?: string;
                            webhook?: {
                                /**
                                 * Format: uri
                                 * @description Receives run.succeeded, run.partial, run.failed and run.quota_exceeded as signed JSON POSTs
                                 */
                                url: string;
                                /** @description Signs each POST (Ferry-Signature header, HMAC-SHA256). Required with a new URL; left out, the stored one is kept. Never returned. */
                                secret?: string;
                            };
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a task, or part of one, without saving it
         * @description Applies the rules of POST /tasks (or, with taskId, of PATCH /tasks/:id) to the fields given and stores nothing: 204 when they are fine, 400 with the first problem otherwise. The web app checks each step of its task wizard with it.
         */
        post: {
            parameters: {
                query?: {
                    /** @description Check as a change of this task */
                    taskId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        source?: {
                            /** Format: uuid */
                            cloudId: string;
                            path?: string;
                            /** @description Google Photos: the picker session whose items to copy */
                            pickerSessionId?: string;
                        };
                        destination?: {
                            /** Format: uuid */
                            cloudId: string;
                            path: string;
                        };
                        /** @description null removes the schedule */
                        schedule?: {
                            /** @enum {string} */
                            frequency: "daily" | "weekly" | "monthly";
                            /** @description Local time of day, HH:MM */
                            time: string;
                            /** @description IANA time zone */
                            timezone: string;
                            /** @description Weekly: 0 = Sunday … 6 = Saturday */
                            weekday?: number;
                            /** @description Monthly: day of month; past the end of a month, its last day */
                            monthday?: number;
                        } | null;
                        filter?: {
                            /** @description Glob patterns (e.g. **\/*.jpg); only matching paths are copied */
                            include?: string[];
                            /** @description Glob patterns of paths never copied */
                            exclude?: string[];
                            mediaTypes?: ("photo" | "video" | "other")[];
                            /** @description Bytes */
                            minSize?: number;
                            /** @description Bytes */
                            maxSize?: number;
                            /** @description Only items dated at or after this */
                            after?: string;
                            /** @description Only items dated before this */
                            before?: string;
                            /** @description Also copy items in the provider's trash (Google Takeout: trashed photos); left out by default */
                            includeTrashed?: boolean;
                        };
                        options?: {
                            /**
                             * @description When the destination already has a different file at the path
                             * @default skip
                             * @enum {string}
                             */
                            conflict?: "skip" | "overwrite" | "rename";
                            /**
                             * @description Check every copy against the hash computed while it streamed
                             * @default true
                             */
                            verify?: boolean;
                            /** @description Destination path template, e.g. {yyyy}/{mm}/{name}. Tokens: {yyyy} {mm} {dd} {name} {stem} {ext} {dir} {path} */
                            layout?: string;
                            /** @description Keep the copy a changed file replaces, as a version under .ferry-versions/ in the destination folder, instead of overwriting it; a later run removes versions beyond keep or older than days */
                            versions?: {
                                /** @description Versions kept of each file, newest first */
                                keep?: number;
                                /** @description Versions older than this are removed */
                                days?: number;
                            };
                            /** @description When the task verifies its backup by itself (checks every copy at the destination) */
                            verifySchedule?: {
                                /** @enum {string} */
                                frequency: "daily" | "weekly" | "monthly";
                                /** @description Local time of day, HH:MM */
                                time: string;
                                /** @description IANA time zone */
                                timezone: string;
                                /** @description Weekly: 0 = Sunday … 6 = Saturday */
                                weekday?: number;
                                /** @description Monthly: day of month; past the end of a month, its last day */
                                monthday?: number;
                            };
                            /** @description S3 destinations: Object Lock retention on every object Ferry writes (the bucket must have it on) */
                            objectLock?: {
                                /** @enum {string} */
                                mode: "GOVERNANCE" | "COMPLIANCE";
                                days: number;
                            };
                        };
                        notify?: {
                            /**
                             * @description failure includes partial, failed and quota_exceeded runs
                             * @default failure
                             * @enum {string}
                             */
                            on?: "never" | "failure" | "always";
                            /**
                             * Format: email
                             * @description Defaults to the account's address
                             */
                            email?: string;
                            webhook?: {
                                /**
                                 * Format: uri
                                 * @description Receives run.succeeded, run.partial, run.failed and run.quota_exceeded as signed JSON POSTs
                                 */
                                url: string;
                                /** @description Signs each POST (Ferry-Signature header, HMAC-SHA256). Required with a new URL; left out, the stored one is kept. Never returned. */
                                secret?: string;
                            };
                        };
                        /** @description A paused task keeps its schedule but starts no scheduled run; Run now still works. Resuming schedules the next run from now */
                        paused?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a task and its history */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a task */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        source?: {
                            /** Format: uuid */
                            cloudId: string;
                            path?: string;
                            /** @description Google Photos: the picker session whose items to copy */
                            pickerSessionId?: string;
                        };
                        destination?: {
                            /** Format: uuid */
                            cloudId: string;
                            path: string;
                        };
                        /** @description null removes the schedule */
                        schedule?: {
                            /** @enum {string} */
                            frequency: "daily" | "weekly" | "monthly";
                            /** @description Local time of day, HH:MM */
                            time: string;
                            /** @description IANA time zone */
                            timezone: string;
                            /** @description Weekly: 0 = Sunday … 6 = Saturday */
                            weekday?: number;
                            /** @description Monthly: day of month; past the end of a month, its last day */
                            monthday?: number;
                        } | null;
                        filter?: {
                            /** @description Glob patterns (e.g. **\/*.jpg); only matching paths are copied */
                            include?: string[];
                            /** @description Glob patterns of paths never copied */
                            exclude?: string[];
                            mediaTypes?: ("photo" | "video" | "other")[];
                            /** @description Bytes */
                            minSize?: number;
                            /** @description Bytes */
                            maxSize?: number;
                            /** @description Only items dated at or after this */
                            after?: string;
                            /** @description Only items dated before this */
                            before?: string;
                            /** @description Also copy items in the provider's trash (Google Takeout: trashed photos); left out by default */
                            includeTrashed?: boolean;
                        };
                        options?: {
                            /**
                             * @description When the destination already has a different file at the path
                             * @default skip
                             * @enum {string}
                             */
                            conflict?: "skip" | "overwrite" | "rename";
                            /**
                             * @description Check every copy against the hash computed while it streamed
                             * @default true
                             */
                            verify?: boolean;
                            /** @description Destination path template, e.g. {yyyy}/{mm}/{name}. Tokens: {yyyy} {mm} {dd} {name} {stem} {ext} {dir} {path} */
                            layout?: string;
                            /** @description Keep the copy a changed file replaces, as a version under .ferry-versions/ in the destination folder, instead of overwriting it; a later run removes versions beyond keep or older than days */
                            versions?: {
                                /** @description Versions kept of each file, newest first */
                                keep?: number;
                                /** @description Versions older than this are removed */
                                days?: number;
                            };
                            /** @description When the task verifies its backup by itself (checks every copy at the destination) */
                            verifySchedule?: {
                                /** @enum {string} */
                                frequency: "daily" | "weekly" | "monthly";
                                /** @description Local time of day, HH:MM */
                                time: string;
                                /** @description IANA time zone */
                                timezone: string;
                                /** @description Weekly: 0 = Sunday … 6 = Saturday */
                                weekday?: number;
                                /** @description Monthly: day of month; past the end of a month, its last day */
                                monthday?: number;
                            };
                            /** @description S3 destinations: Object Lock retention on every object Ferry writes (the bucket must have it on) */
                            objectLock?: {
                                /** @enum {string} */
                                mode: "GOVERNANCE" | "COMPLIANCE";
                                days: number;
                            };
                        };
                        notify?: {
                            /**
                             * @description failure includes partial, failed and quota_exceeded runs
                             * @default failure
                             * @enum {string}
                             */
                            on?: "never" | "failure" | "always";
                            /**
                             * Format: email
                             * @description Defaults to the account's address
                             */
                            email?: string;
                            webhook?: {
                                /**
                                 * Format: uri
                                 * @description Receives run.succeeded, run.partial, run.failed and run.quota_exceeded as signed JSON POSTs
                                 */
                                url: string;
                                /** @description Signs each POST (Ferry-Signature header, HMAC-SHA256). Required with a new URL; left out, the stored one is kept. Never returned. */
                                secret?: string;
                            };
                        };
                        /** @description A paused task keeps its schedule but starts no scheduled run; Run now still works. Resuming schedules the next run from now */
                        paused?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/tasks/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Runs of a task, newest first */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Run"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Run a task now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            run: components["schemas"]["Run"];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's runs across its tasks, newest first, each with its task's name; ?active=true for those queued or running */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    /** @description true: only the runs queued or running */
                    active?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["RunInList"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run with its progress and whether its notifications were delivered */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Items of a run; ?status=failed says why each failed */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    status?: "pending" | "copying" | "done" | "skipped" | "failed";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["RunItem"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: a "progress" event with the run every second, "end" when it finishes, "closed" with an error when the stream is cut (the token revoked, the session ended, the run deleted). At most 10 open per account. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text/event-stream */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a queued or running run */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/snapshots": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The task's snapshots, newest first: each backup run that ended succeeded or partial */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Snapshot"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/tree": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A folder of the backup as it was at a point in time: its folders, then its files, by name
         * @description runId: as that backup run left it; asOf: as it was at that time; neither: now. A time before the first snapshot is refused (400).
         */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    /** @description A backup run of the task: the backup as that run's end left it */
                    runId?: string;
                    /** @description A time (ISO 8601): the backup as it was then. Neither: now */
                    asOf?: string;
                    /** @description A folder of the backup, relative to the task's destination folder */
                    path?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description The point in time (ISO 8601, UTC, to the microsecond)
                             */
                            at: string;
                            /** Format: uuid */
                            runId: string | null;
                            path: string;
                            entries: components["schemas"]["TreeEntry"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Restore the backup as it was at a point in time, or some of its files and folders, into a cloud
         * @description Starts a run of kind restore that copies exactly that state (the right copy of each file, nothing added after it) into destination, under the conflict policy given (default rename).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: uuid
                         * @description A backup run of the task: the backup as that run's end left it
                         */
                        runId?: string;
                        /**
                         * Format: date-time
                         * @description A time (ISO 8601): the backup as it was then. Neither: now
                         */
                        asOf?: string;
                        /** @description Files or folders of the backup (as the tree's paths); none: all of it */
                        paths?: string[];
                        /** @description The cloud and folder to restore into */
                        destination: {
                            /** Format: uuid */
                            cloudId: string;
                            path: string;
                        };
                        /**
                         * @description A file already at a path restored to: leave it, replace it, or put the restored one beside it
                         * @enum {string}
                         */
                        conflict?: "skip" | "overwrite" | "rename";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            run: components["schemas"]["Run"];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tasks/{id}/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Verify the backup: check every copy it holds at the destination */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            run: components["schemas"]["Run"];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every account with its usage this month, clouds, tasks and last run, oldest first */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    /** @description Part of the address */
                    q?: string;
                    suspended?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["AdminUser"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One account */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminUser"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Set a user's plan and/or own monthly traffic limit (null: the plan's) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description A short name that stays: users.plan refers to it */
                        plan?: string;
                        /** @description null: the plan's traffic again */
                        trafficLimitBytes?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminUser"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/admin/users/{id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Suspend an account: its sessions end, its runs are cancelled, its schedules held; it is mailed */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Told to the user in the mail */
                        reason?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminUser"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Lift a suspension: the user can sign in again and schedules count on from now; it is mailed */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminUser"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/plans": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every plan, smallest traffic first, with how many accounts are on it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Plan"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a plan */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        monthlyTrafficBytes: number;
                        /** @description null or absent: no limit */
                        maxTasks?: number | null;
                        /** @description null or absent: no limit */
                        maxClouds?: number | null;
                        /** @description Cloud kinds its users may add; null or absent: every kind */
                        allowedProviders?: ("google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt")[] | null;
                        /** @description A short name that stays: users.plan refers to it */
                        id: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Plan"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/plans/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a plan no account is on (the free plan stays) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A short name that stays: users.plan refers to it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a plan: its accounts have the new limits at once (what they have stays) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A short name that stays: users.plan refers to it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        monthlyTrafficBytes?: number;
                        /** @description null or absent: no limit */
                        maxTasks?: number | null;
                        /** @description null or absent: no limit */
                        maxClouds?: number | null;
                        /** @description Cloud kinds its users may add; null or absent: every kind */
                        allowedProviders?: ("google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt")[] | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Plan"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The audit log, newest first */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    /** @description One user's actions */
                    userId?: string;
                    /** @description One action ("admin.user.suspend"), or all that start so when it ends with a dot ("admin.") */
                    action?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["AuditEntry"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service's figures: accounts, clouds, tasks, runs, this month's traffic, mail */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminStats"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        PickerSessionInput: {
            id: string;
            /** @description Open in a new tab; append /autoclose so it closes when the user is done */
            pickerUri: string;
            expireTime: string;
            /** @description The user is done picking */
            mediaItemsSet: boolean;
            /** @description Poll GET …/picker-sessions/:sid no more often than this */
            pollIntervalSeconds: number;
            /** @description Picked items, once mediaItemsSet */
            itemCount?: number;
        };
        ExportStatusInput: {
            /** @description The folder of the storage cloud the exports are delivered to */
            folder: string;
            sets: {
                /** @description Google's export timestamp, e.g. 20260712T112341Z */
                id: string;
                createdAt: string;
                /** @enum {string} */
                format: "zip" | "tgz";
                /**
                 * @description waiting: parts missing or still arriving; ready: the next run ingests it; grown: new parts arrived after it was ingested
                 * @enum {string}
                 */
                state: "waiting" | "ready" | "ingested" | "grown";
                waitingFor?: string;
                missing: number[];
                parts: {
                    number: number;
                    path: string;
                    size?: number;
                    ingested: boolean;
                    deleted: boolean;
                    /** @description Why the part cannot be read; it stays out until the file is replaced */
                    error?: string;
                }[];
            }[];
            /** @description When the next scheduled export should arrive */
            nextExpectedAt?: string;
            /** @description The expected export is more than 70 days overdue */
            late: boolean;
            /** @description When the yearly export schedule runs out */
            scheduleEndsAt?: string;
            endsSoon: boolean;
            setupUrl: string;
            /** @description How to set up the scheduled export */
            setup: string[];
        };
        ErrorInput: {
            error: {
                code: string;
                message: string;
            };
        };
        UserInput: {
            /** Format: uuid */
            id: string;
            email: string;
            plan: string;
            locale: string;
            emailVerified: boolean;
            /** @description Administers this Ferry: the admin API (/api/v1/admin) answers them */
            admin: boolean;
        };
        MeInput: {
            /** Format: uuid */
            id: string;
            email: string;
            plan: string;
            locale: string;
            emailVerified: boolean;
            /** @description Administers this Ferry: the admin API (/api/v1/admin) answers them */
            admin: boolean;
            usage: {
                periodStart: string;
                periodEnd: string;
                usedBytes: number;
                limitBytes: number;
            };
            /** @description For cookie sessions: the token to send in x-csrf-token */
            csrfToken?: string;
            /** @description Sign-in asks for a code of an authenticator app too */
            twoFactor: boolean;
            /** @description This Ferry wants a confirmed address before tasks are created (FERRY_VERIFY_EMAIL) */
            emailVerificationRequired: boolean;
        };
        TokenInput: {
            /** Format: uuid */
            id: string;
            name: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            lastUsedAt: string | null;
            /** @description The address it was last used from */
            lastUsedFrom: string | null;
        };
        ProviderInput: {
            /** @enum {string} */
            kind: "google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt";
            title: string;
            /** @enum {string} */
            auth: "oauth" | "credentials";
            source: boolean;
            destination: boolean;
            /** @description JSON Schema of the options to create such a cloud; writeOnly fields are secrets */
            options: {
                [key: string]: unknown;
            };
            available: boolean;
            unavailableReason: string | null;
            /** @description The provider's name in every language Ferry speaks */
            titles: {
                en: string;
                de: string;
                fr: string;
            };
            /** @description The kind after a cloud's own name, in every language ("Home server (folder on this server)") */
            nouns: {
                en: string;
                de: string;
                fr: string;
            };
            /** @description The kinds of cloud such a cloud reads through (one of its owner's); empty: it reads no other cloud */
            wraps: ("google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt")[];
            /** @description What the API offers for clouds of this kind beyond the common routes, under /clouds/{id}/ */
            actions: {
                /** @enum {string} */
                method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
                path: string;
            }[];
            /** @description Its source is read through a session its owner fills by picking (a task names it as pickerSessionId) */
            pickerSession: boolean;
        };
        CloudInput: {
            /** Format: uuid */
            id: string;
            kind: string;
            name: string;
            /** @description Options without secrets */
            options: {
                [key: string]: unknown;
            };
            /** @enum {string} */
            status: "ok" | "needs_reauth" | "error";
            lastError: string | null;
            /** Format: date-time */
            checkedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        TaskInput: {
            /** Format: uuid */
            id: string;
            name: string;
            source: {
                /** Format: uuid */
                cloudId: string;
                path?: string;
                pickerSessionId?: string;
            };
            destination: {
                /** Format: uuid */
                cloudId: string;
                path: string;
            };
            schedule: {
                /** @enum {string} */
                frequency: "daily" | "weekly" | "monthly";
                time: string;
                timezone: string;
                weekday?: number;
                monthday?: number;
            } | null;
            filter: {
                [key: string]: unknown;
            };
            options: {
                [key: string]: unknown;
            };
            notify: {
                [key: string]: unknown;
            };
            /**
             * Format: date-time
             * @description null when unscheduled or paused
             */
            nextRunAt: string | null;
            /**
             * Format: date-time
             * @description When the task next verifies its backup (options.verifySchedule)
             */
            nextVerifyAt: string | null;
            /** @description Keeps its schedule but starts no scheduled run; Run now still works */
            paused: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        RunInput: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            taskId: string;
            /**
             * @description backup: copies the task's source; restore: copies a point in time of its backup; verify: checks it
             * @enum {string}
             */
            kind: "backup" | "restore" | "verify";
            /** @description What a restore run restores, and where to */
            restore: {
                /**
                 * Format: date-time
                 * @description The point in time restored
                 */
                at: string;
                /**
                 * Format: uuid
                 * @description The backup run whose end that is, when the restore named one
                 */
                runId: string | null;
                /** @description Files or folders of the backup restored; empty: all of it */
                paths: string[];
                destination: {
                    /** Format: uuid */
                    cloudId: string;
                    path: string;
                };
                /** @enum {string} */
                conflict: "skip" | "overwrite" | "rename";
            } | null;
            /** @description Older versions this run removed from the destination (beyond the task's versions.keep or days) */
            versionsRemoved: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "partial" | "failed" | "cancelled" | "quota_exceeded";
            /** @enum {string} */
            trigger: "manual" | "schedule";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            totals: {
                items: number;
                bytes: number;
            };
            done: {
                items: number;
                bytes: number;
            };
            skipped: {
                items: number;
                bytes: number;
            };
            failed: {
                items: number;
            };
            /** @description Items the source makes wait before it gives their bytes (a Google Photos video still being processed) */
            waiting: {
                items: number;
            };
            bytesPerSecond: number;
            etaSeconds: number | null;
            error: string | null;
            /** @description GET /runs/:id only: the mails and webhook events this run caused, and whether they were delivered */
            notifications?: {
                /** @enum {string} */
                channel: "email" | "webhook";
                /** @description email: run_ended, quota_used_up; webhook: run.succeeded, run.partial, run.failed, run.quota_exceeded */
                event: string;
                /** @description The address or URL */
                to: string;
                /**
                 * @description pending: queued or being retried
                 * @enum {string}
                 */
                status: "pending" | "delivered" | "failed";
                attempts: number;
                /** @description Webhooks: the endpoint's last HTTP status */
                lastStatus: number | null;
                lastError: string | null;
                /** Format: date-time */
                deliveredAt: string | null;
            }[];
        };
        RunInListInput: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            taskId: string;
            /**
             * @description backup: copies the task's source; restore: copies a point in time of its backup; verify: checks it
             * @enum {string}
             */
            kind: "backup" | "restore" | "verify";
            /** @description What a restore run restores, and where to */
            restore: {
                /**
                 * Format: date-time
                 * @description The point in time restored
                 */
                at: string;
                /**
                 * Format: uuid
                 * @description The backup run whose end that is, when the restore named one
                 */
                runId: string | null;
                /** @description Files or folders of the backup restored; empty: all of it */
                paths: string[];
                destination: {
                    /** Format: uuid */
                    cloudId: string;
                    path: string;
                };
                /** @enum {string} */
                conflict: "skip" | "overwrite" | "rename";
            } | null;
            /** @description Older versions this run removed from the destination (beyond the task's versions.keep or days) */
            versionsRemoved: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "partial" | "failed" | "cancelled" | "quota_exceeded";
            /** @enum {string} */
            trigger: "manual" | "schedule";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            totals: {
                items: number;
                bytes: number;
            };
            done: {
                items: number;
                bytes: number;
            };
            skipped: {
                items: number;
                bytes: number;
            };
            failed: {
                items: number;
            };
            /** @description Items the source makes wait before it gives their bytes (a Google Photos video still being processed) */
            waiting: {
                items: number;
            };
            bytesPerSecond: number;
            etaSeconds: number | null;
            error: string | null;
            taskName: string;
        };
        RunItemInput: {
            id: string;
            path: string;
            size: number | null;
            /** @enum {string} */
            status: "pending" | "copying" | "done" | "skipped" | "failed";
            attempts: number;
            destPath: string | null;
            error: string | null;
            /** @description While the item is copied: the source makes it wait before it gives its bytes, and why */
            waiting: {
                reason: string;
                /**
                 * Format: date-time
                 * @description When the wait ends at the latest
                 */
                until: string | null;
            } | null;
            /** Format: date-time */
            updatedAt: string;
        };
        PlanInput: {
            id: string;
            name: string;
            monthlyTrafficBytes: number;
            maxTasks: number | null;
            maxClouds: number | null;
            allowedProviders: string[] | null;
            /** @description Accounts on the plan */
            users: number;
        };
        AdminUserInput: {
            /** Format: uuid */
            id: string;
            email: string;
            plan: string;
            /** @description The user's own monthly traffic; null: the plan's */
            trafficLimitBytes: number | null;
            /** @description Administers this Ferry: promoted with `npm run ferry -- promote`, or named by FERRY_ADMINS */
            admin: boolean;
            emailVerified: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            suspendedAt: string | null;
            suspendedReason: string | null;
            usage: {
                periodStart: string;
                usedBytes: number;
                limitBytes: number;
            };
            clouds: number;
            tasks: number;
            lastRun: {
                /** Format: uuid */
                id: string;
                status: string;
                createdAt: string;
                finishedAt: string | null;
            } | null;
        };
        AuditEntryInput: {
            id: number;
            /** Format: date-time */
            at: string;
            /**
             * Format: uuid
             * @description Who acted; null: someone signed out, or an operator on the command line
             */
            userId: string | null;
            userEmail: string | null;
            action: string;
            targetId: string | null;
            ip: string | null;
            details: {
                [key: string]: unknown;
            };
        };
        AdminStatsInput: {
            users: {
                total: number;
                suspended: number;
                admins: number;
                signedUpLast30Days: number;
            };
            clouds: {
                total: number;
                byKind: {
                    [key: string]: number;
                };
                needingReauth: number;
            };
            tasks: {
                total: number;
                scheduled: number;
                paused: number;
            };
            runs: {
                queued: number;
                running: number;
                endedLast24Hours: {
                    [key: string]: number;
                };
            };
            traffic: {
                periodStart: string;
                usedBytes: number;
                reservedBytes: number;
                usersOverQuota: number;
            };
            mail: {
                pending: number;
                failedLast24Hours: number;
            };
        };
        SessionInput: {
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            lastUsedAt: string | null;
            /** Format: date-time */
            expiresAt: string;
            ip: string | null;
            userAgent: string | null;
            /** @description The session this request came with */
            current: boolean;
        };
        SnapshotInput: {
            /** Format: uuid */
            runId: string;
            /**
             * Format: date-time
             * @description The point in time (ISO 8601, UTC, to the microsecond)
             */
            at: string;
            /** @enum {string} */
            status: "succeeded" | "partial";
            /** @description Files in the backup at that time */
            files: number;
            /** @description Their bytes */
            bytes: number;
            /** @description What that run copied */
            copied: {
                items: number;
                bytes: number;
            };
        };
        TreeEntryInput: {
            /** @enum {string} */
            type: "folder";
            name: string;
            path: string;
        } | {
            /** @enum {string} */
            type: "file";
            name: string;
            /** @description Where the file is in the backup: pass it to a restore as one of its paths */
            path: string;
            size: number | null;
            /**
             * Format: date-time
             * @description When the file was last changed at the source
             */
            modifiedAt: string | null;
            /**
             * Format: date-time
             * @description When this copy was taken
             */
            copiedAt: string;
            /** @description The destination's hash of the copy, "kind:value" */
            hash: string | null;
            /** @description The copy is still at the destination (false: overwritten, or a version removed since) */
            restorable: boolean;
            /** @description The file's older copies, newest first, kept at the destination or recorded */
            versions: {
                /** Format: date-time */
                copiedAt: string;
                /**
                 * Format: date-time
                 * @description When a newer copy took its place
                 */
                replacedAt: string | null;
                size: number | null;
                /** @description The destination's hash of the copy, "kind:value" */
                hash: string | null;
                /** @description The copy is still at the destination */
                restorable: boolean;
            }[];
        };
        PickerSession: {
            id: string;
            /** @description Open in a new tab; append /autoclose so it closes when the user is done */
            pickerUri: string;
            expireTime: string;
            /** @description The user is done picking */
            mediaItemsSet: boolean;
            /** @description Poll GET …/picker-sessions/:sid no more often than this */
            pollIntervalSeconds: number;
            /** @description Picked items, once mediaItemsSet */
            itemCount?: number;
        };
        ExportStatus: {
            /** @description The folder of the storage cloud the exports are delivered to */
            folder: string;
            sets: {
                /** @description Google's export timestamp, e.g. 20260712T112341Z */
                id: string;
                createdAt: string;
                /** @enum {string} */
                format: "zip" | "tgz";
                /**
                 * @description waiting: parts missing or still arriving; ready: the next run ingests it; grown: new parts arrived after it was ingested
                 * @enum {string}
                 */
                state: "waiting" | "ready" | "ingested" | "grown";
                waitingFor?: string;
                missing: number[];
                parts: {
                    number: number;
                    path: string;
                    size?: number;
                    ingested: boolean;
                    deleted: boolean;
                    /** @description Why the part cannot be read; it stays out until the file is replaced */
                    error?: string;
                }[];
            }[];
            /** @description When the next scheduled export should arrive */
            nextExpectedAt?: string;
            /** @description The expected export is more than 70 days overdue */
            late: boolean;
            /** @description When the yearly export schedule runs out */
            scheduleEndsAt?: string;
            endsSoon: boolean;
            setupUrl: string;
            /** @description How to set up the scheduled export */
            setup: string[];
        };
        Error: {
            error: {
                code: string;
                message: string;
            };
        };
        User: {
            /** Format: uuid */
            id: string;
            email: string;
            plan: string;
            locale: string;
            emailVerified: boolean;
            /** @description Administers this Ferry: the admin API (/api/v1/admin) answers them */
            admin: boolean;
        };
        Me: {
            /** Format: uuid */
            id: string;
            email: string;
            plan: string;
            locale: string;
            emailVerified: boolean;
            /** @description Administers this Ferry: the admin API (/api/v1/admin) answers them */
            admin: boolean;
            usage: {
                periodStart: string;
                periodEnd: string;
                usedBytes: number;
                limitBytes: number;
            };
            /** @description For cookie sessions: the token to send in x-csrf-token */
            csrfToken?: string;
            /** @description Sign-in asks for a code of an authenticator app too */
            twoFactor: boolean;
            /** @description This Ferry wants a confirmed address before tasks are created (FERRY_VERIFY_EMAIL) */
            emailVerificationRequired: boolean;
        };
        Token: {
            /** Format: uuid */
            id: string;
            name: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            lastUsedAt: string | null;
            /** @description The address it was last used from */
            lastUsedFrom: string | null;
        };
        Provider: {
            /** @enum {string} */
            kind: "google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt";
            title: string;
            /** @enum {string} */
            auth: "oauth" | "credentials";
            source: boolean;
            destination: boolean;
            /** @description JSON Schema of the options to create such a cloud; writeOnly fields are secrets */
            options: {
                [key: string]: unknown;
            };
            available: boolean;
            unavailableReason: string | null;
            /** @description The provider's name in every language Ferry speaks */
            titles: {
                en: string;
                de: string;
                fr: string;
            };
            /** @description The kind after a cloud's own name, in every language ("Home server (folder on this server)") */
            nouns: {
                en: string;
                de: string;
                fr: string;
            };
            /** @description The kinds of cloud such a cloud reads through (one of its owner's); empty: it reads no other cloud */
            wraps: ("google-photos" | "google-takeout" | "google-drive" | "s3" | "dropbox" | "onedrive" | "local" | "crypt")[];
            /** @description What the API offers for clouds of this kind beyond the common routes, under /clouds/{id}/ */
            actions: {
                /** @enum {string} */
                method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
                path: string;
            }[];
            /** @description Its source is read through a session its owner fills by picking (a task names it as pickerSessionId) */
            pickerSession: boolean;
        };
        Cloud: {
            /** Format: uuid */
            id: string;
            kind: string;
            name: string;
            /** @description Options without secrets */
            options: {
                [key: string]: unknown;
            };
            /** @enum {string} */
            status: "ok" | "needs_reauth" | "error";
            lastError: string | null;
            /** Format: date-time */
            checkedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Task: {
            /** Format: uuid */
            id: string;
            name: string;
            source: {
                /** Format: uuid */
                cloudId: string;
                path?: string;
                pickerSessionId?: string;
            };
            destination: {
                /** Format: uuid */
                cloudId: string;
                path: string;
            };
            schedule: {
                /** @enum {string} */
                frequency: "daily" | "weekly" | "monthly";
                time: string;
                timezone: string;
                weekday?: number;
                monthday?: number;
            } | null;
            filter: {
                [key: string]: unknown;
            };
            options: {
                [key: string]: unknown;
            };
            notify: {
                [key: string]: unknown;
            };
            /**
             * Format: date-time
             * @description null when unscheduled or paused
             */
            nextRunAt: string | null;
            /**
             * Format: date-time
             * @description When the task next verifies its backup (options.verifySchedule)
             */
            nextVerifyAt: string | null;
            /** @description Keeps its schedule but starts no scheduled run; Run now still works */
            paused: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Run: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            taskId: string;
            /**
             * @description backup: copies the task's source; restore: copies a point in time of its backup; verify: checks it
             * @enum {string}
             */
            kind: "backup" | "restore" | "verify";
            /** @description What a restore run restores, and where to */
            restore: {
                /**
                 * Format: date-time
                 * @description The point in time restored
                 */
                at: string;
                /**
                 * Format: uuid
                 * @description The backup run whose end that is, when the restore named one
                 */
                runId: string | null;
                /** @description Files or folders of the backup restored; empty: all of it */
                paths: string[];
                destination: {
                    /** Format: uuid */
                    cloudId: string;
                    path: string;
                };
                /** @enum {string} */
                conflict: "skip" | "overwrite" | "rename";
            } | null;
            /** @description Older versions this run removed from the destination (beyond the task's versions.keep or days) */
            versionsRemoved: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "partial" | "failed" | "cancelled" | "quota_exceeded";
            /** @enum {string} */
            trigger: "manual" | "schedule";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            totals: {
                items: number;
                bytes: number;
            };
            done: {
                items: number;
                bytes: number;
            };
            skipped: {
                items: number;
                bytes: number;
            };
            failed: {
                items: number;
            };
            /** @description Items the source makes wait before it gives their bytes (a Google Photos video still being processed) */
            waiting: {
                items: number;
            };
            bytesPerSecond: number;
            etaSeconds: number | null;
            error: string | null;
            /** @description GET /runs/:id only: the mails and webhook events this run caused, and whether they were delivered */
            notifications?: {
                /** @enum {string} */
                channel: "email" | "webhook";
                /** @description email: run_ended, quota_used_up; webhook: run.succeeded, run.partial, run.failed, run.quota_exceeded */
                event: string;
                /** @description The address or URL */
                to: string;
                /**
                 * @description pending: queued or being retried
                 * @enum {string}
                 */
                status: "pending" | "delivered" | "failed";
                attempts: number;
                /** @description Webhooks: the endpoint's last HTTP status */
                lastStatus: number | null;
                lastError: string | null;
                /** Format: date-time */
                deliveredAt: string | null;
            }[];
        };
        RunInList: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            taskId: string;
            /**
             * @description backup: copies the task's source; restore: copies a point in time of its backup; verify: checks it
             * @enum {string}
             */
            kind: "backup" | "restore" | "verify";
            /** @description What a restore run restores, and where to */
            restore: {
                /**
                 * Format: date-time
                 * @description The point in time restored
                 */
                at: string;
                /**
                 * Format: uuid
                 * @description The backup run whose end that is, when the restore named one
                 */
                runId: string | null;
                /** @description Files or folders of the backup restored; empty: all of it */
                paths: string[];
                destination: {
                    /** Format: uuid */
                    cloudId: string;
                    path: string;
                };
                /** @enum {string} */
                conflict: "skip" | "overwrite" | "rename";
            } | null;
            /** @description Older versions this run removed from the destination (beyond the task's versions.keep or days) */
            versionsRemoved: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "partial" | "failed" | "cancelled" | "quota_exceeded";
            /** @enum {string} */
            trigger: "manual" | "schedule";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            totals: {
                items: number;
                bytes: number;
            };
            done: {
                items: number;
                bytes: number;
            };
            skipped: {
                items: number;
                bytes: number;
            };
            failed: {
                items: number;
            };
            /** @description Items the source makes wait before it gives their bytes (a Google Photos video still being processed) */
            waiting: {
                items: number;
            };
            bytesPerSecond: number;
            etaSeconds: number | null;
            error: string | null;
            taskName: string;
        };
        RunItem: {
            id: string;
            path: string;
            size: number | null;
            /** @enum {string} */
            status: "pending" | "copying" | "done" | "skipped" | "failed";
            attempts: number;
            destPath: string | null;
            error: string | null;
            /** @description While the item is copied: the source makes it wait before it gives its bytes, and why */
            waiting: {
                reason: string;
                /**
                 * Format: date-time
                 * @description When the wait ends at the latest
                 */
                until: string | null;
            } | null;
            /** Format: date-time */
            updatedAt: string;
        };
        Plan: {
            id: string;
            name: string;
            monthlyTrafficBytes: number;
            maxTasks: number | null;
            maxClouds: number | null;
            allowedProviders: string[] | null;
            /** @description Accounts on the plan */
            users: number;
        };
        AdminUser: {
            /** Format: uuid */
            id: string;
            email: string;
            plan: string;
            /** @description The user's own monthly traffic; null: the plan's */
            trafficLimitBytes: number | null;
            /** @description Administers this Ferry: promoted with `npm run ferry -- promote`, or named by FERRY_ADMINS */
            admin: boolean;
            emailVerified: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            suspendedAt: string | null;
            suspendedReason: string | null;
            usage: {
                periodStart: string;
                usedBytes: number;
                limitBytes: number;
            };
            clouds: number;
            tasks: number;
            lastRun: {
                /** Format: uuid */
                id: string;
                status: string;
                createdAt: string;
                finishedAt: string | null;
            } | null;
        };
        AuditEntry: {
            id: number;
            /** Format: date-time */
            at: string;
            /**
             * Format: uuid
             * @description Who acted; null: someone signed out, or an operator on the command line
             */
            userId: string | null;
            userEmail: string | null;
            action: string;
            targetId: string | null;
            ip: string | null;
            details: {
                [key: string]: unknown;
            };
        };
        AdminStats: {
            users: {
                total: number;
                suspended: number;
                admins: number;
                signedUpLast30Days: number;
            };
            clouds: {
                total: number;
                byKind: {
                    [key: string]: number;
                };
                needingReauth: number;
            };
            tasks: {
                total: number;
                scheduled: number;
                paused: number;
            };
            runs: {
                queued: number;
                running: number;
                endedLast24Hours: {
                    [key: string]: number;
                };
            };
            traffic: {
                periodStart: string;
                usedBytes: number;
                reservedBytes: number;
                usersOverQuota: number;
            };
            mail: {
                pending: number;
                failedLast24Hours: number;
            };
        };
        Session: {
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            lastUsedAt: string | null;
            /** Format: date-time */
            expiresAt: string;
            ip: string | null;
            userAgent: string | null;
            /** @description The session this request came with */
            current: boolean;
        };
        Snapshot: {
            /** Format: uuid */
            runId: string;
            /**
             * Format: date-time
             * @description The point in time (ISO 8601, UTC, to the microsecond)
             */
            at: string;
            /** @enum {string} */
            status: "succeeded" | "partial";
            /** @description Files in the backup at that time */
            files: number;
            /** @description Their bytes */
            bytes: number;
            /** @description What that run copied */
            copied: {
                items: number;
                bytes: number;
            };
        };
        TreeEntry: {
            /** @enum {string} */
            type: "folder";
            name: string;
            path: string;
        } | {
            /** @enum {string} */
            type: "file";
            name: string;
            /** @description Where the file is in the backup: pass it to a restore as one of its paths */
            path: string;
            size: number | null;
            /**
             * Format: date-time
             * @description When the file was last changed at the source
             */
            modifiedAt: string | null;
            /**
             * Format: date-time
             * @description When this copy was taken
             */
            copiedAt: string;
            /** @description The destination's hash of the copy, "kind:value" */
            hash: string | null;
            /** @description The copy is still at the destination (false: overwritten, or a version removed since) */
            restorable: boolean;
            /** @description The file's older copies, newest first, kept at the destination or recorded */
            versions: {
                /** Format: date-time */
                copiedAt: string;
                /**
                 * Format: date-time
                 * @description When a newer copy took its place
                 */
                replacedAt: string | null;
                size: number | null;
                /** @description The destination's hash of the copy, "kind:value" */
                hash: string | null;
                /** @description The copy is still at the destination */
                restorable: boolean;
            }[];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
